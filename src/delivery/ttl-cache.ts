/**
 * A bounded map whose entries are trusted for `ttlMs` (a number, or a function for a lifetime that changes): `get`
 * answers from memory while an entry is fresh and otherwise loads it (concurrent misses for one key share one load).
 * The oldest entries go first when full.
 * @example const licenses = new TtlCache<string, LicenseRow | undefined>(1000, 10_000); await licenses.get(id, now, load);
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number | (() => number),
    private readonly maxEntries: number,
  ) {}

  get(key: K, nowMs: number, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && nowMs - hit.at < (typeof this.ttlMs === 'number' ? this.ttlMs : this.ttlMs())) return hit.value;
    const value = load();
    // A failed load is not cached.
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { at: nowMs, value });
    return value;
  }

  /** Forgets `key`, so the next `get` loads it afresh (a load already under way still answers its own callers). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.clear();
  }
}
