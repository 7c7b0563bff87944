import { bigint, integer, pgTable, varchar } from 'drizzle-orm/pg-core';

/**
 * Rate-limit counters shared by every server process (`ASSAY_RATE_LIMIT_STORE=postgres`), in the layout
 * rate-limiter-flexible's PostgreSQL store reads and writes (its columns, in this order). Created here rather than
 * by the library at run time; the table is UNLOGGED (see the migration): counters need not survive a crash.
 */
export const rateLimitBuckets = pgTable('rate_limit_buckets', {
  key: varchar('key', { length: 255 }).primaryKey(),
  points: integer('points').notNull().default(0),
  /** Epoch milliseconds when the window ends. */
  expire: bigint('expire', { mode: 'number' }),
});
