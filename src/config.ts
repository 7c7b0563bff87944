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
  stripe: { secretKey: string; webhookSecret: string; apiUrl: string | undefined } | undefined;
  platformFeeBps: number;
  secret: string | undefined;
  logLevel: string;
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
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_API_URL: z.string().url().optional(),
  ASSAY_PLATFORM_FEE_BPS: z.coerce.number().int().min(0).max(10000).default(1000),
  ASSAY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
        ? { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiUrl: e.STRIPE_API_URL }
        : undefined,
    platformFeeBps: e.ASSAY_PLATFORM_FEE_BPS,
    secret: e.ASSAY_SECRET,
    logLevel: e.LOG_LEVEL,
  };
}
