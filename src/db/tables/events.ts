import { sql } from 'drizzle-orm';
import { bigserial, boolean, customType, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from './accounts.js';
import { datasets } from './catalog.js';

/** PostgreSQL's 64-bit transaction id, read and written as a decimal string. */
export const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * One organization's stream of business events: written in the transaction of the change that caused it, read back
 * in `seq` order (a keyset cursor). A change that concerns several organizations writes one row in each stream.
 */
export const events = pgTable(
  'events',
  {
    /** `evt_...`; also the Standard Webhooks `webhook-id`, the same on every retry. */
    id: text('id').primaryKey(),
    /** The writing transaction: replay lists only rows of transactions older than every one still running. */
    txId: xid8('tx_id')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    /** Order within a transaction. Replay reads (tx_id, seq), so a late commit never lands behind a cursor. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    type: text('type').notNull(),
    /** The event's `data` as webhooks send it. */
    data: jsonb('data').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('events_org_order_key').on(t.organizationId, t.txId, t.seq)],
);

/** An organization's registered receiver; only enabled endpoints get new deliveries. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    url: text('url').notNull(),
    /** Event types delivered here; empty means every type. */
    eventTypes: text('event_types')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    enabled: boolean('enabled').notNull().default(true),
    /** `whsec_` + base64, sealed with the server secret. */
    secretSealed: text('secret_sealed').notNull(),
    /** The secret before the last rotation, still signed with until `previous_secret_expires_at`. */
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    /** Deliveries in a row that exhausted their retries; reset by any successful attempt. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    disabledReason: text('disabled_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.organizationId, t.id)],
);

/** PENDING: due (again at `next_attempt_at`); SUCCEEDED: a 2xx came back; FAILED: retries ran out. */
export const webhookDeliveryStatus = pgEnum('webhook_delivery_status', ['PENDING', 'SUCCEEDED', 'FAILED']);

/** The outbox: one event to send to one endpoint, claimed by a worker with a lease and sent after that commits. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    eventId: text('event_id')
      .notNull()
      .references(() => events.id),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    organizationId: text('organization_id').notNull(),
    status: webhookDeliveryStatus('status').notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    /** While in the future, one worker owns the delivery (claimed and committed before its HTTP call). */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** Which claim holds the lease: a result is recorded only by the claim that still holds it. */
    leaseToken: text('lease_token'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    firstAttemptAt: timestamp('first_attempt_at', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_endpoint_key').on(t.eventId, t.endpointId),
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'PENDING'`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
  ],
);

export const vendorNoticeKind = pgEnum('vendor_notice_kind', ['DATA_DELAY', 'DATA_UPDATE', 'SCHEMA_CHANGE', 'DEPRECATION']);

/** What a vendor told the licensees of a dataset; `client_token` makes a retried send a no-op. */
export const vendorNotices = pgTable(
  'vendor_notices',
  {
    id: text('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    vendorId: text('vendor_id')
      .notNull()
      .references(() => organizations.id),
    kind: vendorNoticeKind('kind').notNull(),
    message: text('message').notNull(),
    effectiveAt: timestamp('effective_at', { withTimezone: true }).notNull(),
    clientToken: text('client_token').notNull(),
    /** The organizations that held a live license when it was sent: they, and only they, see it. */
    recipientIds: text('recipient_ids').array().notNull(),
    sentBy: text('sent_by')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('vendor_notices_client_token_key').on(t.vendorId, t.clientToken),
    index('vendor_notices_dataset_idx').on(t.datasetId, t.id),
  ],
);
