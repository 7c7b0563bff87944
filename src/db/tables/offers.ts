import { sql } from 'drizzle-orm';
import { boolean, check, jsonb, doublePrecision, index, integer, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { organizations } from './accounts.js';
import { datasets, termsColumns } from './catalog.js';
import type { AccessQuestion } from '../../offers/questions.js';

export const pricingModel = pgEnum('pricing_model', ['FREE', 'ONE_TIME', 'SUBSCRIPTION', 'USAGE']);
export const billingInterval = pgEnum('billing_interval', ['MONTHLY', 'YEARLY']);
export const usageUnit = pgEnum('usage_unit', ['GIGABYTE', 'THOUSAND_ROWS', 'REQUEST']);
export const versionScope = pgEnum('version_scope', ['ALL', 'LATEST_AT_PURCHASE', 'PINNED']);

/** The license terms an offer grants (and a license snapshots): the same columns a dataset declares. */
export const grantedTermsColumns = termsColumns;

/** How something is priced: an offer's price, and the snapshot a license keeps of it at purchase. */
export const priceColumns = () => ({
  pricingModel: pricingModel('pricing_model').notNull(),
  /** ISO 4217, lowercase; null only for FREE. */
  currency: text('currency'),
  amountCents: integer('amount_cents'),
  termDays: integer('term_days'),
  billingInterval: billingInterval('billing_interval'),
  usageUnit: usageUnit('usage_unit'),
  unitAmountCents: integer('unit_amount_cents'),
  includedUnits: doublePrecision('included_units'),
  usageCap: doublePrecision('usage_cap'),
});

export const offers = pgTable(
  'offers',
  {
    id: text('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    /** The dataset's vendor, kept here so tenancy checks need no join. */
    vendorId: text('vendor_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    ...priceColumns(),
    ...grantedTermsColumns(),
    versionScope: versionScope('version_scope').notNull(),
    pinnedVersionIds: text('pinned_version_ids')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    requiresApproval: boolean('requires_approval').notNull().default(false),
    /** What a buyer must answer to request access (`AccessQuestion[]`, see src/offers/questions.ts). */
    accessQuestions: jsonb('access_questions')
      .$type<AccessQuestion[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** Share of a derived dataset's sales owed back to this dataset's vendor, in basis points. */
    royaltyBps: integer('royalty_bps'),
    /** SUBSCRIPTION and USAGE: free days before the first charge, once per buyer organization. */
    trialDays: integer('trial_days'),
    /** Private offers: the only buyer organizations that see and buy it; empty means everyone. */
    visibleTo: text('visible_to')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    active: boolean('active').notNull().default(true),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    /** USAGE offers in Stripe mode: the Billing Meter and metered price, created once on first purchase. */
    stripeMeterId: text('stripe_meter_id'),
    stripePriceId: text('stripe_price_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('offers_dataset_idx').on(t.datasetId, t.id),
    check(
      'offers_pricing_fields_check',
      sql`CASE ${t.pricingModel}
        WHEN 'FREE' THEN ${t.currency} IS NULL AND ${t.amountCents} IS NULL AND ${t.billingInterval} IS NULL AND ${t.usageUnit} IS NULL
        WHEN 'ONE_TIME' THEN ${t.currency} IS NOT NULL AND ${t.amountCents} > 0 AND ${t.billingInterval} IS NULL AND ${t.usageUnit} IS NULL
        WHEN 'SUBSCRIPTION' THEN ${t.currency} IS NOT NULL AND ${t.amountCents} > 0 AND ${t.billingInterval} IS NOT NULL AND ${t.usageUnit} IS NULL AND ${t.termDays} IS NULL
        WHEN 'USAGE' THEN ${t.currency} IS NOT NULL AND ${t.usageUnit} IS NOT NULL AND ${t.unitAmountCents} > 0 AND ${t.amountCents} IS NULL AND ${t.termDays} IS NULL
      END`,
    ),
    check('offers_royalty_check', sql`${t.royaltyBps} IS NULL OR ${t.royaltyBps} BETWEEN 1 AND 10000`),
    check(
      'offers_trial_check',
      sql`${t.trialDays} IS NULL OR (${t.trialDays} BETWEEN 1 AND 365 AND ${t.pricingModel} IN ('SUBSCRIPTION', 'USAGE'))`,
    ),
    check('offers_pinned_check', sql`(${t.versionScope} = 'PINNED') = (cardinality(${t.pinnedVersionIds}) > 0)`),
  ],
);
