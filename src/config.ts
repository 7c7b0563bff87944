import path from 'node:path';
import { z } from 'zod';

/** The validated, typed configuration; `loadConfig` is the only reader of `process.env`. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  bootstrapAdminKey: string | undefined;
  demo: boolean;
  production: boolean;
  /** Answers carry `x-sql-statements` (statements the request issued); off in production unless asked for. */
  sqlStatementsHeader: boolean;
  stripe: { secretKey: string; webhookSecret: string; apiUrl: string | undefined } | undefined;
  platformFeeBps: number;
  secret: string | undefined;
  logLevel: string;
  /** What one request may ask of the server; see the README's "Limits". */
  limits: Limits;
  /** Usage roll-up and meter reporting; see the README's "Metering". */
  metering: MeteringSettings;
  /** Webhook delivery; see the README's "Events and webhooks". */
  webhooks: WebhookSettings;
}

/** The outbox worker that sends events to organizations' webhook endpoints. */
export interface WebhookSettings {
  /** `http` and private or loopback addresses become allowed targets (local receivers, tests). */
  allowPrivate: boolean;
  /** Milliseconds between passes; 0 turns the worker off. */
  intervalMs: number;
  /** Deliveries leased per batch, and how many are sent at once. */
  batchSize: number;
  concurrency: number;
  /** Per request: connect, send and answer within this. */
  timeoutMs: number;
  /** First retry delay; doubles per attempt (with jitter) up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A delivery is retried until this long after its first attempt, then marked FAILED. */
  retryForMs: number;
  /** An endpoint is disabled after this many FAILED deliveries in a row. */
  disableAfterFailures: number;
}

/** The background worker that rolls usage up into hourly windows and reports them to the meter. */
export interface MeteringSettings {
  /** Milliseconds between passes; 0 turns the background worker off (a flush can still be run directly). */
  intervalMs: number;
  /** How long after a window closes it is rolled up (late-written events after that become an extra report). */
  graceMs: number;
  /** How far back roll-up looks for usage (beyond Stripe's 35 days, so windows too old to bill are still surfaced). */
  lookbackDays: number;
  /** Reports claimed (row-locked) per batch. */
  batchSize: number;
  /** Meter calls in flight at once. */
  concurrency: number;
  /** Meter calls per second at most, per process. */
  maxPerSecond: number;
  /** First retry delay; doubles per attempt (with full jitter) up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A meter call taking longer than this counts as failed (and is retried). */
  stripeTimeoutMs: number;
}

/** Protections against slow, huge or abusive requests; every one is set from the environment. */
export interface Limits {
  /** Largest request body accepted (413 above it). */
  bodyLimitBytes: number;
  /** How long the server works on one GraphQL request before it answers 503 and stops issuing its SQL. */
  requestTimeoutMs: number;
  /** How long a client may take to send a whole request (headers and body); 0 turns it off. */
  receiveTimeoutMs: number;
  /** PostgreSQL `statement_timeout` for every pooled connection. */
  statementTimeoutMs: number;
  /** Connections in the database pool. */
  databasePoolMax: number;
  query: QueryLimits;
  /** Token bucket per API key, or per client address when anonymous; undefined when turned off. */
  rateLimit: RateLimitSettings | undefined;
  /** Bytes of query text the automatic persisted queries cache may hold (least recently used go first). */
  persistedQueriesCacheBytes: number;
  /** When set, `GET /metrics` wants `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Whose X-Forwarded-For to believe when telling clients apart: all, none, a hop count, or proxy addresses/CIDRs. */
  trustProxy: boolean | number | string[];
}

/** Checked on every GraphQL operation before it runs; over any of them it is refused with QUERY_TOO_COMPLEX. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
}

export interface RateLimitSettings {
  /** Tokens a bucket refills per minute: the sustained request rate. */
  perMinute: number;
  /** Bucket capacity: requests a client may make at once after being idle. */
  burst: number;
}

const boolFlag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  ASSAY_DATA_DIR: z.string().min(1).default('./.assay'),
  ASSAY_BOOTSTRAP_ADMIN_KEY: z
    .string()
    .regex(/^ak_[A-Za-z0-9_-]{20,200}$/, 'must look like ak_ followed by at least 20 URL-safe characters')
    .optional(),
  ASSAY_DEMO: boolFlag.optional(),
  ASSAY_SQL_STATEMENTS_HEADER: boolFlag.optional(),
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_API_URL: z.string().url().optional(),
  ASSAY_PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(10000).default(1000),
  ASSAY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ASSAY_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 ** 3)
    .default(1024 * 1024),
  ASSAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  ASSAY_RECEIVE_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  ASSAY_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  ASSAY_DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  ASSAY_QUERY_MAX_DEPTH: z.coerce.number().int().min(2).max(1000).default(15),
  ASSAY_QUERY_MAX_ALIASES: z.coerce.number().int().min(0).max(100_000).default(30),
  ASSAY_QUERY_MAX_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(3000),
  ASSAY_QUERY_MAX_COST: z.coerce.number().int().min(1).max(100_000_000).default(5000),
  ASSAY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(600),
  ASSAY_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(10_000_000).optional(),
  ASSAY_PERSISTED_QUERIES_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 ** 3)
    .default(16 * 1024 * 1024),
  ASSAY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ASSAY_TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d{1,2}|[0-9A-Fa-f:./]+(\s*,\s*[0-9A-Fa-f:./]+)*)$/,
      'must be true, false, a hop count or addresses/CIDRs separated by commas',
    )
    .optional(),
  ASSAY_METERING_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  ASSAY_METERING_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .default(5 * 60_000),
  ASSAY_METERING_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(366).default(40),
  ASSAY_METERING_BATCH: z.coerce.number().int().min(1).max(10_000).default(100),
  ASSAY_METERING_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  ASSAY_METERING_MAX_PER_SECOND: z.coerce.number().min(0.1).max(10_000).default(50),
  ASSAY_METERING_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  ASSAY_METERING_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400_000)
    .default(15 * 60_000),
  ASSAY_METERING_STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  ASSAY_WEBHOOKS_ALLOW_PRIVATE: boolFlag.default('0'),
  ASSAY_WEBHOOKS_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  ASSAY_WEBHOOKS_BATCH: z.coerce.number().int().min(1).max(1000).default(20),
  ASSAY_WEBHOOKS_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  ASSAY_WEBHOOKS_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5000),
  ASSAY_WEBHOOKS_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  ASSAY_WEBHOOKS_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400_000)
    .default(4 * 3_600_000),
  ASSAY_WEBHOOKS_RETRY_FOR_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86_400_000)
    .default(24 * 3_600_000),
  ASSAY_WEBHOOKS_DISABLE_AFTER: z.coerce.number().int().min(1).max(10_000).default(5),
});

export class ConfigError extends Error {}

/**
 * Reads and validates the environment once.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if ((e.STRIPE_SECRET_KEY === undefined) !== (e.STRIPE_WEBHOOK_SECRET === undefined)) {
    throw new ConfigError('Invalid configuration:\n  STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together');
  }
  if (production && e.DATABASE_URL && !e.ASSAY_SECRET) {
    throw new ConfigError('Invalid configuration:\n  ASSAY_SECRET is required with DATABASE_URL in production');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.ASSAY_DATA_DIR),
    bootstrapAdminKey: e.ASSAY_BOOTSTRAP_ADMIN_KEY,
    demo: !production && (e.ASSAY_DEMO ?? e.DATABASE_URL === undefined),
    production,
    sqlStatementsHeader: e.ASSAY_SQL_STATEMENTS_HEADER ?? !production,
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
        ? { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiUrl: e.STRIPE_API_URL }
        : undefined,
    platformFeeBps: e.ASSAY_PLATFORM_FEE_BPS,
    secret: e.ASSAY_SECRET,
    logLevel: e.LOG_LEVEL,
    limits: {
      bodyLimitBytes: e.ASSAY_BODY_LIMIT_BYTES,
      requestTimeoutMs: e.ASSAY_REQUEST_TIMEOUT_MS,
      receiveTimeoutMs: e.ASSAY_RECEIVE_TIMEOUT_MS,
      statementTimeoutMs: e.ASSAY_STATEMENT_TIMEOUT_MS,
      databasePoolMax: e.ASSAY_DB_POOL_MAX,
      query: {
        maxDepth: e.ASSAY_QUERY_MAX_DEPTH,
        maxAliases: e.ASSAY_QUERY_MAX_ALIASES,
        maxTokens: e.ASSAY_QUERY_MAX_TOKENS,
        maxCost: e.ASSAY_QUERY_MAX_COST,
      },
      // 0 per minute turns rate limiting off; the burst defaults to ten seconds' worth (at least 10).
      rateLimit:
        e.ASSAY_RATE_LIMIT_PER_MINUTE === 0
          ? undefined
          : {
              perMinute: e.ASSAY_RATE_LIMIT_PER_MINUTE,
              burst: e.ASSAY_RATE_LIMIT_BURST ?? Math.max(10, Math.ceil(e.ASSAY_RATE_LIMIT_PER_MINUTE / 6)),
            },
      persistedQueriesCacheBytes: e.ASSAY_PERSISTED_QUERIES_CACHE_BYTES,
      metricsToken: e.ASSAY_METRICS_TOKEN,
      trustProxy: parseTrustProxy(e.ASSAY_TRUST_PROXY),
    },
    metering: {
      intervalMs: e.ASSAY_METERING_INTERVAL_MS,
      graceMs: e.ASSAY_METERING_GRACE_MS,
      lookbackDays: e.ASSAY_METERING_LOOKBACK_DAYS,
      batchSize: e.ASSAY_METERING_BATCH,
      concurrency: e.ASSAY_METERING_CONCURRENCY,
      maxPerSecond: e.ASSAY_METERING_MAX_PER_SECOND,
      retryBaseMs: e.ASSAY_METERING_RETRY_BASE_MS,
      retryMaxMs: Math.max(e.ASSAY_METERING_RETRY_MAX_MS, e.ASSAY_METERING_RETRY_BASE_MS),
      stripeTimeoutMs: e.ASSAY_METERING_STRIPE_TIMEOUT_MS,
    },
    webhooks: {
      allowPrivate: e.ASSAY_WEBHOOKS_ALLOW_PRIVATE,
      intervalMs: e.ASSAY_WEBHOOKS_INTERVAL_MS,
      batchSize: e.ASSAY_WEBHOOKS_BATCH,
      concurrency: e.ASSAY_WEBHOOKS_CONCURRENCY,
      timeoutMs: e.ASSAY_WEBHOOKS_TIMEOUT_MS,
      retryBaseMs: e.ASSAY_WEBHOOKS_RETRY_BASE_MS,
      retryMaxMs: Math.max(e.ASSAY_WEBHOOKS_RETRY_MAX_MS, e.ASSAY_WEBHOOKS_RETRY_BASE_MS),
      retryForMs: e.ASSAY_WEBHOOKS_RETRY_FOR_MS,
      disableAfterFailures: e.ASSAY_WEBHOOKS_DISABLE_AFTER,
    },
  };
}

/** `true`/`false`, a number of proxy hops, or a comma-separated list of proxy addresses and CIDRs. */
function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim());
}
