import pg from 'pg';
import { RLWrapperTimeouts, RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitSettings } from '../config.js';
import type { Database } from '../db/client.js';
import type { BucketState, Buckets } from './rate-limit.js';

/** A rate-limit check waits this long for the database, then the in-memory insurance answers for this process. */
const STORE_TIMEOUT_MS = 500;
/** Connections of the limiter's own pool: checks never queue behind requests holding the main pool. */
const POOL_MAX = 4;

/**
 * Rate-limit counters in PostgreSQL (table `rate_limit_buckets`, created by our migrations), shared by every server
 * process on the database, through rate-limiter-flexible's PostgreSQL store: `burst` requests per window of
 * `burst / perMinute` minutes, so the sustained rate is `perMinute` across all processes together. When the
 * database fails or takes longer than 500 ms, an in-memory limiter with the same settings answers instead (per
 * process for as long as that lasts). A key over its limit is refused from memory for the rest of its window.
 * @example const store = new SharedBucketStore(database, { perMinute: 600, burst: 100, store: 'postgres' }); const requests = store.buckets('req');
 */
export class SharedBucketStore {
  private readonly pool: pg.Pool;

  constructor(
    database: Database,
    private readonly settings: RateLimitSettings,
  ) {
    this.pool = database.sidePool({
      max: POOL_MAX,
      connectionTimeoutMillis: STORE_TIMEOUT_MS * 2,
      query_timeout: STORE_TIMEOUT_MS * 4,
      application_name: 'assay-rate-limit',
    });
  }

  /** One family of buckets (`prefix` keeps families apart in the shared table). */
  buckets(prefix: string): Buckets {
    const { burst } = this.settings;
    // Fractional seconds are fine for the library; at least a millisecond.
    const duration = Math.max(1, Math.round((burst * 60_000) / this.settings.perMinute)) / 1000;
    const insurance = new RateLimiterMemory({ points: burst, duration, keyPrefix: prefix });
    const store = new RateLimiterPostgres({
      storeClient: this.pool,
      storeType: 'pool',
      tableName: 'rate_limit_buckets',
      tableCreated: true,
      keyPrefix: prefix,
      points: burst,
      duration,
      inMemoryBlockOnConsumed: burst + 1,
    });
    // The insurance on the wrapper only: on the store too, a check that timed out and later failed would spend twice.
    const limiter = new RLWrapperTimeouts({ limiter: store, timeoutMs: STORE_TIMEOUT_MS, insuranceLimiter: insurance });
    const state = (allowed: boolean, res: RateLimiterRes | null): BucketState => {
      const seconds = Math.max(0, Math.ceil((res?.msBeforeNext ?? 0) / 1000));
      return {
        allowed,
        remaining: res ? res.remainingPoints : burst,
        retryAfterSeconds: allowed ? 0 : Math.max(1, seconds),
        resetSeconds: seconds,
      };
    };
    return {
      size: 0,
      async take(key) {
        try {
          return state(true, await limiter.consume(key));
        } catch (refused) {
          if (refused instanceof RateLimiterRes) return state(false, refused);
          throw refused;
        }
      },
      async peek(key) {
        const res = await limiter.get(key);
        return state(!res || res.remainingPoints >= 1, res);
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
