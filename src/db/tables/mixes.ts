import type { LicensePermission } from '../../catalog/terms.js';
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  doublePrecision,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { organizations, users } from './accounts.js';
import { datasetVersions } from './catalog.js';

export const mixRegime = pgEnum('mix_regime', ['ACCUMULATE', 'REPLACE']);

/** A buyer organization's named training mix; private to that organization. */
export const trainingMixes = pgTable(
  'training_mixes',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    regime: mixRegime('regime').notNull(),
    /** License permissions the intended use needs (LicensePermission names). */
    intendedUse: text('intended_use').array().$type<LicensePermission[]>().notNull(),
    /** The real fraction suggestions aim for; null: the server's default. */
    targetRealFraction: doublePrecision('target_real_fraction'),
    /** Free text suggestions also match on (besides modality and tags). */
    suggestionSearch: text('suggestion_search'),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('training_mixes_org_name_key').on(t.organizationId, t.name),
    index('training_mixes_org_idx').on(t.organizationId, t.id),
    check(
      'training_mixes_target_check',
      sql`${t.targetRealFraction} IS NULL OR ${t.targetRealFraction} > 0 AND ${t.targetRealFraction} < 1`,
    ),
  ],
);

/** One dataset version in a mix and the rows taken from it. */
export const trainingMixComponents = pgTable(
  'training_mix_components',
  {
    mixId: text('mix_id')
      .notNull()
      .references(() => trainingMixes.id, { onDelete: 'cascade' }),
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id),
    rows: bigint('rows', { mode: 'number' }).notNull(),
    /** Order the buyer listed the components in. */
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ name: 'training_mix_components_pkey', columns: [t.mixId, t.versionId] }),
    check('training_mix_components_rows_check', sql`${t.rows} > 0`),
  ],
);
