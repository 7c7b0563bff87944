/**
 * The automatic persisted queries store: query text by hash, in memory, bounded by the bytes of text it
 * holds; the least recently used queries go first. Per process, like Apollo's default, but with a bound we
 * choose and can see (`bytes`).
 * @example new ApolloServer({ ..., persistedQueries: { cache: new PersistedQueryCache(16 * 1024 * 1024) } })
 */
export class PersistedQueryCache {
  private readonly entries = new Map<string, { value: string; expiresAt: number | undefined }>();
  private held = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bytes of query text held (UTF-16 length times two, as V8 stores non-Latin-1 text). */
  get bytes(): number {
    return this.held;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.remove(key);
      return undefined;
    }
    // Re-insert: the Map's order is least recently used first.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    const size = PersistedQueryCache.sizeOf(key, value);
    this.remove(key);
    if (size > this.maxBytes) return;
    const ttl = options?.ttl;
    this.entries.set(key, { value, expiresAt: ttl ? this.now() + ttl * 1000 : undefined });
    this.held += size;
    for (const oldest of this.entries.keys()) {
      if (this.held <= this.maxBytes) break;
      this.remove(oldest);
    }
  }

  async delete(key: string): Promise<boolean> {
    return this.remove(key);
  }

  private remove(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.held -= PersistedQueryCache.sizeOf(key, entry.value);
    return true;
  }

  private static sizeOf(key: string, value: string): number {
    return (key.length + value.length) * 2;
  }
}
