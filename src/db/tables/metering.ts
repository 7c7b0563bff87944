import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { billingMode, licenses } from './licensing.js';
import { usageUnit } from './offers.js';

/**
 * PENDING: due for sending (again at `next_attempt_at`); SENT: the meter accepted it; FAILED: refused for good (a 4xx);
 * TOO_OLD: its window lies beyond Stripe's 35-day backdating bound and can no longer be sent.
 */
export const usageReportStatus = pgEnum('usage_report_status', ['PENDING', 'SENT', 'FAILED', 'TOO_OLD']);

/**
 * What has been rolled up so far per license and hourly UTC window: the totals already turned into reports. Late events
 * make the window's totals differ from these, which yields one more report (the difference) for the window.
 */
export const usageWindows = pgTable(
  'usage_windows',
  {
    licenseId: text('license_id')
      .notNull()
      .references(() => licenses.id),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    rows: bigint('rows', { mode: 'number' }).notNull(),
    requests: bigint('requests', { mode: 'number' }).notNull(),
    /** The last report sequence written for the window (0: none yet, e.g. usage of 0 units). */
    sequence: integer('sequence').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.licenseId, t.windowStart] })],
);

/**
 * The outbox: one meter event to send per license, window and sequence; `identifier` is what Stripe dedupes on.
 * Partitioned by month on `window_start` (migration partition_by_month), hence the key includes it.
 */
export const usageReports = pgTable(
  'usage_reports',
  {
    /** Derived from license, window and sequence, so every retry sends the same identifier. */
    identifier: text('identifier').notNull(),
    licenseId: text('license_id')
      .notNull()
      .references(() => licenses.id),
    offerId: text('offer_id').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true }).notNull(),
    sequence: integer('sequence').notNull(),
    billingMode: billingMode('billing_mode').notNull(),
    eventName: text('event_name').notNull(),
    usageUnit: usageUnit('usage_unit').notNull(),
    /** In the offer's unit (GIGABYTE: bytes / 1e9, THOUSAND_ROWS: rows / 1000, REQUEST: responses). */
    quantity: doublePrecision('quantity').notNull(),
    /** `quantity` as the exact decimal string sent as `payload.value`. */
    value: text('value').notNull(),
    /** The raw usage this report adds (a late report carries only what arrived late). */
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    rows: bigint('rows', { mode: 'number' }).notNull(),
    requests: bigint('requests', { mode: 'number' }).notNull(),
    status: usageReportStatus('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    lastError: text('last_error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.identifier, t.windowStart] }),
    uniqueIndex('usage_reports_window_sequence_key').on(t.licenseId, t.windowStart, t.sequence),
    index('usage_reports_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'PENDING'`),
    index('usage_reports_license_idx').on(t.licenseId, t.windowStart),
  ],
);

/** Local billing mode's meter: the events the local sender recorded, keyed (and deduplicated) by identifier like Stripe. */
export const localMeterEvents = pgTable(
  'local_meter_events',
  {
    identifier: text('identifier').primaryKey(),
    eventName: text('event_name').notNull(),
    licenseId: text('license_id').notNull(),
    /** The licensee organization, where Stripe would name the customer. */
    organizationId: text('organization_id').notNull(),
    value: text('value').notNull(),
    quantity: doublePrecision('quantity').notNull(),
    /** The event's time (its window's start), as sent to a meter. */
    eventAt: timestamp('event_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('local_meter_events_license_idx').on(t.licenseId, t.eventAt)],
);
