import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations } from './accounts.js';
import { datasetVersions } from './catalog.js';
import { xid8 } from './events.js';

export const openLineageDelivery = pgEnum('openlineage_delivery', ['PENDING', 'DELIVERED', 'FAILED']);

/**
 * One OpenLineage RunEvent per published derived version, written in publish's transaction. It is both the stream
 * (`GET /openlineage/events`, read in (tx_id, seq) order so a late commit never lands behind a cursor) and the outbox
 * of the push to a Marquez-compatible endpoint.
 */
export const openLineageEvents = pgTable(
  'openlineage_events',
  {
    runId: text('run_id').primaryKey(),
    txId: xid8('tx_id')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    /** The vendor that published the version: it (and staff) may read the event. */
    vendorId: text('vendor_id')
      .notNull()
      .references(() => organizations.id),
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id),
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    delivery: openLineageDelivery('delivery').notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    firstAttemptAt: timestamp('first_attempt_at', { withTimezone: true }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    leaseToken: text('lease_token'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('openlineage_events_order_key').on(t.txId, t.seq),
    index('openlineage_events_vendor_idx').on(t.vendorId, t.txId, t.seq),
    index('openlineage_events_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.delivery} = 'PENDING'`),
  ],
);
