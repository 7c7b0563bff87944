import DataLoader from 'dataloader';
/** DataLoader batch helpers: answers in the order of the requested keys. */

/** One row (or undefined) per key. */
export function byKey<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): (T | undefined)[] {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k));
}

/** Every row of each key, in row order (an empty list for a key without rows). */
export function groupBy<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const map = new Map<K, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) map.get(keyOf(r))?.push(r);
  return keys.map((k) => map.get(k)!);
}

/** A loader's cache that also keeps the values it was primed with, so they can be read without waiting. */
class PrimedCache<C, V> extends Map<C, Promise<V>> {
  readonly primed = new Map<C, V>();
  override delete(key: C): boolean {
    this.primed.delete(key);
    return super.delete(key);
  }
  override clear(): void {
    this.primed.clear();
    super.clear();
  }
}

/**
 * A DataLoader whose primed values can also be read at once (`peek`): a catalog page primes what it read in its
 * own statement, and the field resolvers below it answer from that without a promise per field. Loads, clears and
 * the batching are DataLoader's own; only a value primed before the key was ever loaded is kept, so `peek` and
 * `load` never disagree.
 * @example loader.prime(id, row); loader.peek(id) === row
 */
export class PrimedLoader<K, V, C = K> extends DataLoader<K, V, C> {
  private readonly cache: PrimedCache<C, V>;
  private readonly keyOf: (key: K) => C;

  constructor(batch: DataLoader.BatchLoadFn<K, V>, options: Omit<DataLoader.Options<K, V, C>, 'cacheMap' | 'cache'> = {}) {
    const cache = new PrimedCache<C, V>();
    super(batch, { ...options, cacheMap: cache });
    this.cache = cache;
    this.keyOf = options.cacheKeyFn ?? ((key) => key as unknown as C);
  }

  override prime(key: K, value: V | PromiseLike<V> | Error): this {
    const k = this.keyOf(key);
    if (!this.cache.has(k) && !(value instanceof Error) && !isThenable(value)) this.cache.primed.set(k, value);
    return super.prime(key, value);
  }

  /** Whether `key` was primed with a value (`peek` then answers it, undefined included). */
  has(key: K): boolean {
    return this.cache.primed.has(this.keyOf(key));
  }

  /** The value `key` was primed with; undefined when it was not primed (or was primed with undefined: see `has`). */
  peek(key: K): V | undefined {
    return this.cache.primed.get(this.keyOf(key));
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown> | null)?.then === 'function';
