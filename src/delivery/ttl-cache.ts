/**
 * A bounded map whose entries are trusted for `ttlMs` (a number, or a function for a lifetime that changes): `get`
 * answers from memory while an entry is fresh and otherwise loads it (concurrent misses for one key share one load).
 * The oldest entries go first when full.
 * @example const licenses = new TtlCache<string, LicenseRow | undefined>(1000, 10_000); await licenses.get(id, now, load);
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: Promise<V> }>();
  private drops = 0;

  constructor(
    private readonly ttlMs: number | (() => number),
    private readonly maxEntries: number,
  ) {}

  get(key: K, nowMs: number, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && this.fresh(hit, nowMs)) return hit.value;
    return this.set(key, nowMs, load());
  }

  /** Whether `key` has an entry fresh at `nowMs` (a load under way counts). */
  holds(key: K, nowMs: number): boolean {
    const hit = this.entries.get(key);
    return hit !== undefined && this.fresh(hit, nowMs);
  }

  /**
   * How many entries were dropped (`delete`, `clear`) so far. A value read after this was taken is `prime`d only
   * while it is unchanged: a drop since may have been for the value's row, which may have changed after the read.
   */
  get generation(): number {
    return this.drops;
  }

  /** Keeps `value`, read at `atMs` by a load started at `generation`, unless the key holds a fresh entry already. */
  prime(key: K, value: V, atMs: number, generation: number): void {
    if (generation !== this.drops) return;
    const hit = this.entries.get(key);
    if (hit && this.fresh(hit, atMs)) return;
    this.set(key, atMs, Promise.resolve(value));
  }

  private fresh(entry: { at: number }, nowMs: number): boolean {
    return nowMs - entry.at < (typeof this.ttlMs === 'number' ? this.ttlMs : this.ttlMs());
  }

  private set(key: K, nowMs: number, value: Promise<V>): Promise<V> {
    // A failed load is not cached.
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { at: nowMs, value });
    return value;
  }

  /** Forgets `key`, so the next `get` loads it afresh (a load already under way still answers its own callers). */
  delete(key: K): void {
    this.drops++;
    this.entries.delete(key);
  }

  /** Forgets every entry. */
  clear(): void {
    this.drops++;
    this.entries.clear();
  }
}
