import { sql } from 'drizzle-orm';
import { bigint, check, doublePrecision, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { Provenance } from '../../lineage/provenance.js';
import type { LicenseTerms } from '../../catalog/terms.js';
import type { RiskFinding } from '../../mixes/collapse-rules.js';
import { users } from './accounts.js';
import { datasetVersions } from './catalog.js';

export const lineageSourceRole = pgEnum('lineage_source_role', [
  'SEED',
  'REFERENCE',
  'GENERATOR_TRAINING_DATA',
  'FILTER_MODEL',
  'EVALUATION',
]);
export const derivationBasis = pgEnum('derivation_basis', ['OWNER', 'OPEN_TERMS', 'LICENSE']);
export const collapseRiskLevel = pgEnum('collapse_risk_level', ['LOW', 'MEDIUM', 'HIGH']);
export const qualityAttestation = pgEnum('quality_attestation', ['VENDOR', 'THIRD_PARTY']);

/** A version's declared provenance: editable on the draft, frozen (never written again) once published. */
export const versionProvenance = pgTable('version_provenance', {
  versionId: text('version_id')
    .primaryKey()
    .references(() => datasetVersions.id, { onDelete: 'cascade' }),
  provenance: jsonb('provenance').$type<Provenance>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** The parent edges of published versions, with the right each citation rests on (kept for audit and royalties). */
export const lineageEdges = pgTable(
  'lineage_edges',
  {
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id),
    sourceVersionId: text('source_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    role: lineageSourceRole('role').notNull(),
    rowsUsed: bigint('rows_used', { mode: 'number' }).notNull(),
    basis: derivationBasis('basis').notNull(),
    licenseId: text('license_id'),
  },
  (t) => [
    primaryKey({ name: 'lineage_edges_pkey', columns: [t.versionId, t.sourceVersionId] }),
    index('lineage_edges_source_idx').on(t.sourceVersionId),
    check('lineage_edges_rows_used_check', sql`${t.rowsUsed} >= 0`),
    check('lineage_edges_no_self_check', sql`${t.versionId} <> ${t.sourceVersionId}`),
  ],
);

/**
 * Transitive closure of the lineage DAG, written once per version at publish: one row per (ancestor, descendant)
 * with the shortest path length, and a depth-0 row for the version itself. Published versions never change, so
 * the rows never do either.
 */
export const lineageClosure = pgTable(
  'lineage_closure',
  {
    ancestorId: text('ancestor_id')
      .notNull()
      .references(() => datasetVersions.id),
    descendantId: text('descendant_id')
      .notNull()
      .references(() => datasetVersions.id),
    depth: integer('depth').notNull(),
  },
  (t) => [
    // Ancestors of one version: a range scan of this key.
    primaryKey({ name: 'lineage_closure_pkey', columns: [t.descendantId, t.ancestorId] }),
    // Descendants of one version (and retraction fan-out), nearest first.
    index('lineage_closure_ancestor_idx').on(t.ancestorId, t.depth, t.descendantId),
    check('lineage_closure_depth_check', sql`${t.depth} >= 0`),
  ],
);

/** The lineage metrics of a published version, computed once at publish. */
export const versionLineage = pgTable(
  'version_lineage',
  {
    versionId: text('version_id')
      .primaryKey()
      .references(() => datasetVersions.id),
    generationDepth: integer('generation_depth').notNull(),
    realFraction: doublePrecision('real_fraction').notNull(),
    humanReviewedFraction: doublePrecision('human_reviewed_fraction').notNull(),
    ownTerms: jsonb('own_terms').$type<LicenseTerms>().notNull(),
    inheritedTerms: jsonb('inherited_terms').$type<LicenseTerms>().notNull(),
    attributionLabel: text('attribution_label').notNull(),
    attributions: text('attributions').array().notNull(),
    realRootIds: text('real_root_ids').array().notNull(),
    collapseRisk: collapseRiskLevel('collapse_risk').notNull(),
    collapseReasons: text('collapse_reasons').array().notNull(),
    /** The rule findings behind the reasons (rule id, message, citation); '[]' for versions frozen before they existed. */
    collapseFindings: jsonb('collapse_findings')
      .$type<RiskFinding[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('version_lineage_depth_check', sql`${t.generationDepth} >= 0`),
    check('version_lineage_real_fraction_check', sql`${t.realFraction} BETWEEN 0 AND 1`),
    check('version_lineage_reviewed_fraction_check', sql`${t.humanReviewedFraction} BETWEEN 0 AND 1`),
  ],
);

/** An evaluation attached to a version; rates are shares in [0, 1]. */
export const qualityReports = pgTable(
  'quality_reports',
  {
    id: text('id').primaryKey(),
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id),
    fidelity: doublePrecision('fidelity'),
    distanceToClosestRecord: doublePrecision('distance_to_closest_record'),
    membershipInferenceRisk: doublePrecision('membership_inference_risk'),
    dedupPassRate: doublePrecision('dedup_pass_rate'),
    filterPassRate: doublePrecision('filter_pass_rate'),
    factCheckRate: doublePrecision('fact_check_rate'),
    hallucinationRate: doublePrecision('hallucination_rate'),
    producedBy: text('produced_by').notNull(),
    attestation: qualityAttestation('attestation').notNull(),
    reportUrl: text('report_url'),
    notes: text('notes'),
    attachedBy: text('attached_by')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('quality_reports_version_idx').on(t.versionId, t.id),
    check(
      'quality_reports_rates_check',
      sql`${t.fidelity} BETWEEN 0 AND 1 AND ${t.membershipInferenceRisk} BETWEEN 0 AND 1 AND ${t.dedupPassRate} BETWEEN 0 AND 1 AND ${t.filterPassRate} BETWEEN 0 AND 1 AND ${t.factCheckRate} BETWEEN 0 AND 1 AND ${t.hallucinationRate} BETWEEN 0 AND 1 AND ${t.distanceToClosestRecord} >= 0`,
    ),
  ],
);
