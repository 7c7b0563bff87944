import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations, users } from './accounts.js';
import { datasets } from './catalog.js';
import { grantedTermsColumns, offers, priceColumns, versionScope } from './offers.js';
import type { AccessAnswer } from '../../offers/questions.js';
import { IN_FORCE_LICENSE_STATUSES, LICENSE_STATUSES, LIVE_LICENSE_STATUSES, statusList } from '../../licensing/transitions.js';

export const licenseStatus = pgEnum('license_status', LICENSE_STATUSES);
export const billingMode = pgEnum('billing_mode', ['LOCAL', 'STRIPE']);

export const licenses = pgTable(
  'licenses',
  {
    id: text('id').primaryKey(),
    offerId: text('offer_id')
      .notNull()
      .references(() => offers.id),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    vendorId: text('vendor_id')
      .notNull()
      .references(() => organizations.id),
    licenseeId: text('licensee_id')
      .notNull()
      .references(() => organizations.id),
    purchasedBy: text('purchased_by')
      .notNull()
      .references(() => users.id),
    /** The buyer's key: the same key always answers with this license. */
    idempotencyKey: text('idempotency_key').notNull(),
    status: licenseStatus('status').notNull(),
    billingMode: billingMode('billing_mode').notNull(),
    // Snapshot of the offer at purchase: archiving or later offers never change a license.
    ...priceColumns(),
    ...grantedTermsColumns(),
    versionScope: versionScope('version_scope').notNull(),
    /** Covered versions; null means every published version of the dataset (scope ALL). */
    versionIds: text('version_ids').array(),
    royaltyBps: integer('royalty_bps'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: text('decided_by').references(() => users.id),
    rejectionReason: text('rejection_reason'),
    startsAt: timestamp('starts_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }),
    /** The trial granted at purchase (days; null: none, or the organization already had this offer's trial). */
    trialDays: integer('trial_days'),
    trialEndsAt: timestamp('trial_ends_at', { withTimezone: true }),
    /** When `trial.ending` was written; set once, so the reminder fires once per license. */
    trialReminderSentAt: timestamp('trial_reminder_sent_at', { withTimezone: true }),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    canceledAt: timestamp('canceled_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revocationReason: text('revocation_reason'),
    /** Where Stripe Checkout sends the buyer back; kept so an approval can open the checkout later. */
    successUrl: text('success_url'),
    /** The buyer's answers to the offer's access questions, in question order. */
    accessAnswers: jsonb('access_answers').$type<AccessAnswer[]>(),
    cancelUrl: text('cancel_url'),
    checkoutUrl: text('checkout_url'),
    stripeCheckoutSessionId: text('stripe_checkout_session_id'),
    stripeSubscriptionId: text('stripe_subscription_id'),
    stripeCustomerId: text('stripe_customer_id'),
    /**
     * While set and in the future, one request is opening this license's Stripe side (a lease: taken in its own
     * statement, so no transaction is open during the Stripe calls, and a crashed holder's lease simply runs out).
     */
    stripeClaimedUntil: timestamp('stripe_claimed_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('licenses_idempotency_key').on(t.licenseeId, t.idempotencyKey),
    uniqueIndex('licenses_one_live_per_offer_key')
      .on(t.licenseeId, t.offerId)
      .where(sql`${t.status} IN (${sql.raw(statusList(LIVE_LICENSE_STATUSES))})`),
    uniqueIndex('licenses_checkout_session_key').on(t.stripeCheckoutSessionId),
    uniqueIndex('licenses_subscription_key').on(t.stripeSubscriptionId),
    index('licenses_licensee_idx').on(t.licenseeId, t.id),
    index('licenses_vendor_idx').on(t.vendorId, t.id),
    index('licenses_offer_idx').on(t.offerId),
    // The expiry job looks only at licenses that can still expire.
    // The reminder job looks only at trials it has not reminded yet.
    index('licenses_trial_reminder_idx')
      .on(t.trialEndsAt)
      .where(sql`${t.trialEndsAt} IS NOT NULL AND ${t.trialReminderSentAt} IS NULL`),
    index('licenses_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} IN (${sql.raw(statusList(IN_FORCE_LICENSE_STATUSES))}) AND ${t.expiresAt} IS NOT NULL`),
  ],
);
