import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organizations } from './accounts.js';
import { licenses } from './licensing.js';
import { billingMode } from './licensing.js';

/** A vendor's Stripe Connect account (or its local-mode stand-in). */
export const payoutAccounts = pgTable(
  'payout_accounts',
  {
    organizationId: text('organization_id')
      .primaryKey()
      .references(() => organizations.id),
    mode: billingMode('mode').notNull(),
    stripeAccountId: text('stripe_account_id'),
    chargesEnabled: boolean('charges_enabled').notNull().default(false),
    payoutsEnabled: boolean('payouts_enabled').notNull().default(false),
    detailsSubmitted: boolean('details_submitted').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('payout_accounts_stripe_account_key').on(t.stripeAccountId)],
);

/** A buyer organization's Stripe customer, created once. */
export const billingCustomers = pgTable('billing_customers', {
  organizationId: text('organization_id')
    .primaryKey()
    .references(() => organizations.id),
  stripeCustomerId: text('stripe_customer_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Each verified Stripe event, stored once: a replay finds its id and changes nothing. */
export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  objectId: text('object_id'),
  /** Stripe's own creation time of the event (seconds precision). */
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
});

/** A settled payment for a license; keyed by the Stripe object that settled it (or a local id). */
export const payments = pgTable(
  'payments',
  {
    id: text('id').primaryKey(),
    licenseId: text('license_id')
      .notNull()
      .references(() => licenses.id),
    mode: billingMode('mode').notNull(),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    /** The charge royalty transfers draw on (`source_transaction`), when Stripe named one. */
    stripeChargeId: text('stripe_charge_id'),
    transferGroup: text('transfer_group').notNull(),
    settledAt: timestamp('settled_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('payments_license_idx').on(t.licenseId), check('payments_amount_check', sql`${t.amountCents} > 0`)],
);

export const ledgerEntryKind = pgEnum('ledger_entry_kind', ['PLATFORM_FEE', 'VENDOR_SHARE', 'ROYALTY']);
export const ledgerEntryStatus = pgEnum('ledger_entry_status', [
  /** Kept by the platform (its fee). */
  'RETAINED',
  /** Paid to the vendor by the destination charge itself. */
  'PAID_BY_CHARGE',
  /** A Connect transfer is due and not yet confirmed. */
  'TRANSFER_PENDING',
  'TRANSFERRED',
  /** Owed to a vendor without an enabled payout account: accumulates as a balance. */
  'BALANCE',
  /** Local billing mode: recorded, no money moved. */
  'LOCAL',
]);

/** The payouts ledger: one payment split into platform fee, vendor share and royalties, to the cent. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: text('id').primaryKey(),
    paymentId: text('payment_id')
      .notNull()
      .references(() => payments.id),
    kind: ledgerEntryKind('kind').notNull(),
    /** Who is owed it; null for the platform fee. */
    organizationId: text('organization_id').references(() => organizations.id),
    /** For a royalty: the upstream dataset whose offer asked for it. */
    sourceDatasetId: text('source_dataset_id'),
    basisPoints: integer('basis_points').notNull(),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    status: ledgerEntryStatus('status').notNull(),
    stripeTransferId: text('stripe_transfer_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('ledger_entries_payment_party_key').on(t.paymentId, t.kind, sql`coalesce(${t.organizationId}, '')`),
    index('ledger_entries_organization_idx').on(t.organizationId, t.status),
    check('ledger_entries_amount_check', sql`${t.amountCents} >= 0`),
  ],
);
