import { sql } from 'drizzle-orm';
import { bigint, check, doublePrecision, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { organizations, users } from './accounts.js';
import { datasetVersions } from './catalog.js';
import { qualityAttestation } from './lineage.js';

/** A coverage group as reported: who is in the data, and optionally the share the population would have. */
export interface CoverageGroupInput {
  value: string;
  count: number;
  referenceShare: number | null;
}

/** Who is represented in a version, along one attribute (language, region, age band, ...). */
export const coverageReports = pgTable(
  'coverage_reports',
  {
    id: text('id').primaryKey(),
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id),
    attribute: text('attribute').notNull(),
    groups: jsonb('groups').$type<CoverageGroupInput[]>().notNull(),
    /** Who produced the counts (a vendor team, an auditor). */
    attestedBy: text('attested_by').notNull(),
    attestation: qualityAttestation('attestation').notNull(),
    organizationId: text('organization_id').references(() => organizations.id),
    attachedBy: text('attached_by')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('coverage_reports_version_idx').on(t.versionId, t.attribute, t.createdAt.desc(), t.id)],
);

/** Each report's groups as rows, for the catalog filter (attribute, group, minimum share or count). */
export const coverageGroups = pgTable(
  'coverage_groups',
  {
    reportId: text('report_id')
      .notNull()
      .references(() => coverageReports.id, { onDelete: 'cascade' }),
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id),
    attribute: text('attribute').notNull(),
    value: text('value').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    share: doublePrecision('share').notNull(),
  },
  (t) => [
    primaryKey({ name: 'coverage_groups_pkey', columns: [t.reportId, t.value] }),
    index('coverage_groups_filter_idx').on(t.attribute, t.value, t.versionId),
    check('coverage_groups_count_check', sql`${t.count} >= 0 AND ${t.share} BETWEEN 0 AND 1`),
  ],
);
