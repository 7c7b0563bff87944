import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { StorageLimits } from './delivery/storage-allowance.js';

/** The validated, typed configuration; `loadConfig` is the only reader of `process.env`. */
/** What a process runs: `web` serves HTTP only, `worker` only the background work, `all` both (see the README's "Roles"). */
export const ROLES = ['all', 'web', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export interface Config {
  role: Role;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  bootstrapAdminKey: string | undefined;
  demo: boolean;
  production: boolean;
  /** Answers carry `x-sql-statements` (statements the request issued); off in production unless asked for. */
  sqlStatementsHeader: boolean;
  /** `__schema` and `__type` are answered; off in production unless asked for. */
  introspection: boolean;
  stripe: { secretKey: string; webhookSecret: string; apiUrl: string | undefined } | undefined;
  platformFeeBps: number;
  secret: string | undefined;
  logLevel: string;
  /** What one request may ask of the server; see the README's "Limits". */
  limits: Limits;
  /** Usage roll-up and meter reporting; see the README's "Metering". */
  metering: MeteringSettings;
  /** After SIGTERM/SIGINT, how long `/readyz` answers 503 while the server still serves, before it closes. */
  drainDelayMs: number;
  /** The periodic housekeeping one leader process runs; see the README's "Operating Assay". */
  jobs: JobSettings;
  /** OpenTelemetry tracing, from the standard `OTEL_*` variables; undefined when no OTLP endpoint is set. */
  tracing: TracingSettings | undefined;
  /** Collapse-risk thresholds shared by lineage and training mixes; see the README's "Training mixes". */
  collapseRisk: CollapseRiskSettings;
  /** Training mix suggestions and coverage flags; see the README's "Training mixes" and "Coverage". */
  mixes: MixSettings;
  /** Webhook delivery; see the README's "Events and webhooks". */
  webhooks: WebhookSettings;
  /** Pushing OpenLineage run events; see the README's "Compliance and interop". */
  openLineage: OpenLineageSettings;
  /** Where dataset files live (`ASSAY_STORAGE_URL`); see the README's "Object storage". */
  storage: StorageSettings;
  /** Large downloads answered with a presigned URL to the object store; undefined when they are proxied. */
  downloadRedirect: DownloadRedirectSettings | undefined;
}

/** The outbox worker that POSTs OpenLineage run events to a Marquez-compatible endpoint. */
export interface OpenLineageSettings {
  /** Where events are POSTed (`ASSAY_OPENLINEAGE_URL` + `/api/v1/lineage`); undefined: kept for the stream only. */
  endpoint: string | undefined;
  /** Milliseconds between passes; 0 runs passes only when asked. */
  intervalMs: number;
  /** First retry delay; doubles per attempt (with jitter) up to an hour. */
  retryBaseMs: number;
}

export type StorageSettings = { kind: 'file'; directory: string } | S3StorageSettings;

/** An S3-compatible bucket, from `s3://bucket/prefix` and the standard `AWS_*` variables. */
export interface S3StorageSettings {
  kind: 's3';
  bucket: string;
  /** Without leading or trailing slashes; '' for the bucket's root. */
  prefix: string;
  region: string;
  /** A custom endpoint (MinIO, R2, ...); undefined for AWS itself. */
  endpoint: string | undefined;
  forcePathStyle: boolean;
  /** Undefined: the SDK's default chain (instance, task or web-identity roles). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

export interface DownloadRedirectSettings {
  /** Responses of at least this many bytes are redirected; smaller ones are proxied. */
  minBytes: number;
  /** How long a presigned URL stays valid. */
  expiresInSeconds: number;
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

export interface JobSettings {
  expireLicensesIntervalMs: number;
  auditCheckpointIntervalMs: number;
  /** How often the leader creates the coming months' partitions and applies the usage retention. */
  partitionsIntervalMs: number;
  /** Raw usage events are dropped a month partition at a time this many days after the month ends, once billed; null keeps them. */
  usageRetentionDays: number | null;
  /** How often a process that does not lead tries to, and the leader checks that it still holds the lock. */
  leaderRetryMs: number;
}

export interface TracingSettings {
  /** Where spans are POSTed (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`). */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  headers: Record<string, string>;
  serviceName: string;
  sampler: { name: TraceSamplerName; ratio: number };
}

export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];
const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** Thresholds of the collapse-risk rules (src/mixes/collapse-rules.ts). */
export interface CollapseRiskSettings {
  /** Generation depth from which data that replaced its real data is HIGH risk. */
  replaceDepth: number;
  /** Below this real fraction data counts as having replaced its real data. */
  replacedRealBelow: number;
  /** Below this real fraction real data is too thin to steady a chain of `deepChain` generations or more. */
  thinRealBelow: number;
  deepChain: number;
  /** A mix with more synthetic rows per real row than this is at least MEDIUM. */
  maxSyntheticToReal: number;
}

export interface MixSettings {
  /** Real fraction suggestions aim for when a mix sets no target of its own. */
  targetRealFraction: number;
  /** A synthetic version's coverage group is flagged when its share fell by more than this part of its inherited share. */
  coverageFellBy: number;
}

/** The defaults of `CollapseRiskSettings`, as the README documents them. */
export const DEFAULT_COLLAPSE_RISK: CollapseRiskSettings = {
  replaceDepth: 2,
  replacedRealBelow: 0.1,
  thinRealBelow: 0.25,
  deepChain: 4,
  maxSyntheticToReal: 1,
};

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
  /** How long getting a database connection may take before the request is answered 503. */
  databaseConnectTimeoutMs: number;
  /** How long the server waits for a statement's answer (client side, beside `statementTimeoutMs`) before 503. */
  databaseQueryTimeoutMs: number;
  /** How long `/healthz` waits for the database before it answers 503. */
  healthTimeoutMs: number;
  /** Usage events and denials held in memory while the database cannot take them; past it downloads get 503. */
  usageBufferMax: number;
  /** Longest pause between attempts to write buffered usage while the database is down (backoff cap). */
  usageRetryMaxMs: number;
  /** How long shutdown may spend writing buffered usage and stopping; past it the process exits 1. */
  shutdownTimeoutMs: number;
  query: QueryLimits;
  /** Token bucket per API key, or per client address when anonymous; undefined when turned off. */
  rateLimit: RateLimitSettings | undefined;
  /** Bytes of query text the automatic persisted queries cache may hold (least recently used go first). */
  persistedQueriesCacheBytes: number;
  /** When set, `GET /metrics` wants `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Without a token: whether `GET /metrics` answers anyone (yes outside production, in production only when asked). */
  metricsPublic: boolean;
  /** Largest file a vendor may declare, and the bytes one vendor may store in all. */
  storage: StorageLimits;
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
  /** `memory`: buckets per server process; `postgres`: counters in the database, shared by every process on it. */
  store: 'memory' | 'postgres';
}

const boolFlag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
/** `key=value` pairs separated by commas, values percent-encoded (the OTLP exporter headers format). */
const otlpHeaders = z
  .string()
  .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs separated by commas')
  .transform((v) =>
    Object.fromEntries(
      v.split(',').map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim())];
      }),
    ),
  );

const httpUrl = z
  .string()
  .url()
  .regex(/^https?:\/\//, 'must be an http:// or https:// URL');

const share = z.coerce.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

const envSchema = z.object({
  ASSAY_ROLE: z.enum(ROLES, { errorMap: () => ({ message: `must be one of ${ROLES.join(', ')}` }) }).default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  ASSAY_DATA_DIR: z.string().min(1).default('./.assay'),
  ASSAY_BOOTSTRAP_ADMIN_KEY: z
    .string()
    .regex(/^ak_[A-Za-z0-9_-]{20,200}$/, 'must look like ak_ followed by at least 20 URL-safe characters')
    .optional(),
  ASSAY_DEMO: boolFlag.optional(),
  ASSAY_SQL_STATEMENTS_HEADER: boolFlag.optional(),
  ASSAY_INTROSPECTION: boolFlag.optional(),
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
  ASSAY_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  ASSAY_DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  ASSAY_HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  ASSAY_USAGE_BUFFER_MAX: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  ASSAY_USAGE_RETRY_MAX_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  ASSAY_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  ASSAY_QUERY_MAX_DEPTH: z.coerce.number().int().min(2).max(1000).default(15),
  ASSAY_QUERY_MAX_ALIASES: z.coerce.number().int().min(0).max(100_000).default(30),
  ASSAY_QUERY_MAX_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(3000),
  ASSAY_QUERY_MAX_COST: z.coerce.number().int().min(1).max(100_000_000).default(5000),
  ASSAY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(600),
  ASSAY_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(10_000_000).optional(),
  ASSAY_RATE_LIMIT_STORE: z.enum(['memory', 'postgres'], { message: 'must be memory or postgres' }).default('memory'),
  ASSAY_PERSISTED_QUERIES_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 ** 3)
    .default(16 * 1024 * 1024),
  ASSAY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ASSAY_METRICS_PUBLIC: boolFlag.optional(),
  ASSAY_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .default(100 * 1024 ** 3),
  ASSAY_VENDOR_STORAGE_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(1024 ** 4),
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
  ASSAY_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  ASSAY_JOBS_EXPIRE_LICENSES_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  ASSAY_JOBS_AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(86_400_000)
    .default(5 * 60_000),
  ASSAY_JOBS_LEADER_RETRY_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
  ASSAY_JOBS_PARTITIONS_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(86_400_000)
    .default(60 * 60_000),
  // At least two months: the current quota period and the usage report's 30 days of history stay whole.
  ASSAY_USAGE_RETENTION_DAYS: z.coerce.number().int().min(62).max(36_500).optional(),
  // The standard OpenTelemetry variables this server reads itself; the SDK reads its other tuning variables (see README).
  OTEL_SDK_DISABLED: boolFlag.optional(),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(['http/protobuf', 'http/json'], { message: 'must be http/protobuf or http/json (grpc is not supported)' })
    .optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z
    .enum(['http/protobuf', 'http/json'], { message: 'must be http/protobuf or http/json (grpc is not supported)' })
    .optional(),
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders.optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: otlpHeaders.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('assay'),
  OTEL_TRACES_SAMPLER: z.enum(TRACE_SAMPLERS).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  ASSAY_RISK_REPLACE_DEPTH: z.coerce.number().int().min(1).max(50).default(DEFAULT_COLLAPSE_RISK.replaceDepth),
  ASSAY_RISK_REPLACED_REAL_BELOW: share.default(DEFAULT_COLLAPSE_RISK.replacedRealBelow),
  ASSAY_RISK_THIN_REAL_BELOW: share.default(DEFAULT_COLLAPSE_RISK.thinRealBelow),
  ASSAY_RISK_DEEP_CHAIN: z.coerce.number().int().min(2).max(50).default(DEFAULT_COLLAPSE_RISK.deepChain),
  ASSAY_RISK_MAX_SYNTHETIC_TO_REAL: z.coerce.number().min(0).max(1000).default(DEFAULT_COLLAPSE_RISK.maxSyntheticToReal),
  ASSAY_MIX_TARGET_REAL_FRACTION: z.coerce
    .number()
    .min(0.01, 'must be between 0.01 and 0.99')
    .max(0.99, 'must be between 0.01 and 0.99')
    .default(0.5),
  ASSAY_COVERAGE_FELL_BY: share.default(0.2),
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
  ASSAY_STORAGE_URL: z
    .string()
    .regex(/^(file:.*|s3:\/\/[^/]+(\/.*)?)$/, 'must be file:, file:<directory> or s3://bucket/prefix')
    .optional(),
  AWS_REGION: z
    .string()
    .regex(/^[a-z0-9-]{2,40}$/, 'must be a region name such as us-east-1')
    .optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  AWS_ENDPOINT_URL_S3: httpUrl.optional(),
  AWS_ENDPOINT_URL: httpUrl.optional(),
  ASSAY_DOWNLOAD_REDIRECT: boolFlag.optional(),
  ASSAY_DOWNLOAD_REDIRECT_MIN_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(64 * 1024 ** 2),
  ASSAY_DOWNLOAD_REDIRECT_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  ASSAY_OPENLINEAGE_URL: z
    .string()
    .url('must be an http(s) URL such as http://marquez:5000')
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL such as http://marquez:5000')
    .optional(),
  ASSAY_OPENLINEAGE_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  ASSAY_OPENLINEAGE_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(5000),
});

export class ConfigError extends Error {}

/**
 * The process's configuration: the one read of `process.env`.
 * @example const config = loadProcessConfig();
 */
export function loadProcessConfig(): Config {
  return loadConfig(process.env);
}

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
  if (e.ASSAY_USAGE_RETENTION_DAYS !== undefined && e.ASSAY_USAGE_RETENTION_DAYS <= e.ASSAY_METERING_LOOKBACK_DAYS) {
    throw new ConfigError('Invalid configuration:\n  ASSAY_USAGE_RETENTION_DAYS must be more than ASSAY_METERING_LOOKBACK_DAYS');
  }
  if (production && e.DATABASE_URL && !e.ASSAY_SECRET) {
    throw new ConfigError('Invalid configuration:\n  ASSAY_SECRET is required with DATABASE_URL in production');
  }
  const dataDir = path.resolve(e.ASSAY_DATA_DIR);
  const storage = storageSettings(e, dataDir);
  if (e.ASSAY_DOWNLOAD_REDIRECT && storage.kind !== 's3') {
    throw new ConfigError(
      'Invalid configuration:\n  ASSAY_DOWNLOAD_REDIRECT needs an s3:// ASSAY_STORAGE_URL (files on disk are always proxied)',
    );
  }
  return {
    role: e.ASSAY_ROLE,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    bootstrapAdminKey: e.ASSAY_BOOTSTRAP_ADMIN_KEY,
    demo: !production && (e.ASSAY_DEMO ?? e.DATABASE_URL === undefined),
    production,
    sqlStatementsHeader: e.ASSAY_SQL_STATEMENTS_HEADER ?? !production,
    introspection: e.ASSAY_INTROSPECTION ?? !production,
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
      databaseConnectTimeoutMs: e.ASSAY_DB_CONNECT_TIMEOUT_MS,
      // Just above the server-side limit, so a merely slow statement is stopped by PostgreSQL first.
      databaseQueryTimeoutMs: e.ASSAY_DB_QUERY_TIMEOUT_MS ?? e.ASSAY_STATEMENT_TIMEOUT_MS + 1_000,
      healthTimeoutMs: e.ASSAY_HEALTH_TIMEOUT_MS,
      usageBufferMax: e.ASSAY_USAGE_BUFFER_MAX,
      usageRetryMaxMs: e.ASSAY_USAGE_RETRY_MAX_MS,
      shutdownTimeoutMs: e.ASSAY_SHUTDOWN_TIMEOUT_MS,
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
              store: e.ASSAY_RATE_LIMIT_STORE,
            },
      persistedQueriesCacheBytes: e.ASSAY_PERSISTED_QUERIES_CACHE_BYTES,
      metricsToken: e.ASSAY_METRICS_TOKEN,
      metricsPublic: e.ASSAY_METRICS_PUBLIC ?? !production,
      storage: { maxFileBytes: e.ASSAY_MAX_FILE_BYTES, vendorQuotaBytes: e.ASSAY_VENDOR_STORAGE_QUOTA_BYTES },
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
    drainDelayMs: e.ASSAY_DRAIN_DELAY_MS,
    jobs: {
      expireLicensesIntervalMs: e.ASSAY_JOBS_EXPIRE_LICENSES_INTERVAL_MS,
      auditCheckpointIntervalMs: e.ASSAY_JOBS_AUDIT_CHECKPOINT_INTERVAL_MS,
      partitionsIntervalMs: e.ASSAY_JOBS_PARTITIONS_INTERVAL_MS,
      usageRetentionDays: e.ASSAY_USAGE_RETENTION_DAYS ?? null,
      leaderRetryMs: e.ASSAY_JOBS_LEADER_RETRY_MS,
    },
    tracing: tracingSettings(e),
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
    collapseRisk: {
      replaceDepth: e.ASSAY_RISK_REPLACE_DEPTH,
      replacedRealBelow: e.ASSAY_RISK_REPLACED_REAL_BELOW,
      thinRealBelow: e.ASSAY_RISK_THIN_REAL_BELOW,
      deepChain: e.ASSAY_RISK_DEEP_CHAIN,
      maxSyntheticToReal: e.ASSAY_RISK_MAX_SYNTHETIC_TO_REAL,
    },
    mixes: { targetRealFraction: e.ASSAY_MIX_TARGET_REAL_FRACTION, coverageFellBy: e.ASSAY_COVERAGE_FELL_BY },
    openLineage: {
      endpoint: e.ASSAY_OPENLINEAGE_URL && lineageEndpoint(e.ASSAY_OPENLINEAGE_URL),
      intervalMs: e.ASSAY_OPENLINEAGE_INTERVAL_MS,
      retryBaseMs: e.ASSAY_OPENLINEAGE_RETRY_BASE_MS,
    },
    storage,
    downloadRedirect: e.ASSAY_DOWNLOAD_REDIRECT
      ? { minBytes: e.ASSAY_DOWNLOAD_REDIRECT_MIN_BYTES, expiresInSeconds: e.ASSAY_DOWNLOAD_REDIRECT_TTL_SECONDS }
      : undefined,
  };
}

/**
 * `file:` (files under the data directory), `file:<dir>` / `file:///abs/dir`, or `s3://bucket/prefix` with the
 * standard AWS variables; a custom endpoint (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`) gets path-style URLs.
 */
function storageSettings(e: z.infer<typeof envSchema>, dataDir: string): StorageSettings {
  const bad = (message: string) => new ConfigError(`Invalid configuration:\n  ${message}`);
  const url = e.ASSAY_STORAGE_URL ?? 'file:';
  if (url.startsWith('file:')) {
    const rest = url.slice('file:'.length);
    if (rest === '') return { kind: 'file', directory: path.join(dataDir, 'files') };
    if (!rest.startsWith('//')) return { kind: 'file', directory: path.resolve(rest) };
    try {
      return { kind: 'file', directory: fileURLToPath(url) };
    } catch {
      throw bad('ASSAY_STORAGE_URL: a file:// URL must name a local absolute path (file:///srv/assay/files)');
    }
  }
  const [, bucket = '', prefix = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url) ?? [];
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw bad('ASSAY_STORAGE_URL: the bucket must be 3 to 63 lowercase letters, digits, dots or hyphens (s3://bucket/prefix)');
  }
  if (!/^[A-Za-z0-9._/-]{0,512}$/.test(prefix)) {
    throw bad('ASSAY_STORAGE_URL: the prefix may hold letters, digits, dots, hyphens, underscores and slashes only');
  }
  const endpoint = e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL;
  // AWS itself needs the bucket's region; a custom endpoint (MinIO and the like) takes any, conventionally us-east-1.
  if (!e.AWS_REGION && !endpoint) throw bad("AWS_REGION is required with an s3:// ASSAY_STORAGE_URL on AWS (the bucket's region)");
  if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
    throw bad('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  return {
    kind: 's3',
    bucket,
    prefix: prefix.replace(/^\/+|\/+$/g, ''),
    region: e.AWS_REGION ?? 'us-east-1',
    endpoint,
    forcePathStyle: endpoint !== undefined,
    credentials:
      e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: e.AWS_ACCESS_KEY_ID,
            secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
            ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}),
          }
        : undefined,
  };
}

/** Marquez's lineage API under a base URL (one that already names it is kept). */
function lineageEndpoint(base: string): string {
  const url = base.replace(/\/+$/, '');
  return url.endsWith('/api/v1/lineage') ? url : `${url}/api/v1/lineage`;
}

/** Tracing is on when an OTLP endpoint is set, unless the SDK or the traces exporter is turned off. */
function tracingSettings(e: z.infer<typeof envSchema>): TracingSettings | undefined {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!url || e.OTEL_SDK_DISABLED || e.OTEL_TRACES_EXPORTER === 'none') return undefined;
  return {
    url,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    headers: { ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    serviceName: e.OTEL_SERVICE_NAME,
    sampler: { name: e.OTEL_TRACES_SAMPLER, ratio: e.OTEL_TRACES_SAMPLER_ARG },
  };
}

/** `true`/`false`, a number of proxy hops, or a comma-separated list of proxy addresses and CIDRs. */
function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim());
}
