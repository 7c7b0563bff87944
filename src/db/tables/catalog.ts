import { sql, type SQL } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { organizations } from './accounts.js';

export const datasetKind = pgEnum('dataset_kind', ['REAL', 'SYNTHETIC', 'HYBRID']);
export const modality = pgEnum('modality', ['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'TABULAR', 'CODE', 'MULTIMODAL']);
export const datasetStatus = pgEnum('dataset_status', ['DRAFT', 'PUBLISHED', 'SUSPENDED', 'ARCHIVED']);
export const versionStatus = pgEnum('dataset_version_status', ['DRAFT', 'PUBLISHED', 'RETRACTED']);

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** License terms as columns, so the catalog can filter on each permission with an index-friendly predicate. */
export const termsColumns = () => ({
  spdxId: text('spdx_id'),
  commercialUse: boolean('commercial_use').notNull(),
  modelTraining: boolean('model_training').notNull(),
  derivatives: boolean('derivatives').notNull(),
  syntheticGeneration: boolean('synthetic_generation').notNull(),
  redistribution: boolean('redistribution').notNull(),
  attributionRequired: boolean('attribution_required').notNull(),
});

export interface ColumnSpec {
  name: string;
  type: string;
  description?: string | null;
}

export const datasets = pgTable(
  'datasets',
  {
    id: text('id').primaryKey(),
    vendorId: text('vendor_id')
      .notNull()
      .references(() => organizations.id),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    summary: text('summary'),
    description: text('description'),
    kind: datasetKind('kind').notNull(),
    modality: modality('modality').notNull(),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    ...termsColumns(),
    status: datasetStatus('status').notNull().default('DRAFT'),
    /** The newest PUBLISHED version, kept by publish so a catalog page needs no per-row lookup. */
    latestVersionId: text('latest_version_id'),
    suspendedReason: text('suspended_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    // The lineage summary of latestVersionId, copied at publish so lineage filters stay in the one catalog query.
    lineageGenerationDepth: integer('lineage_generation_depth'),
    lineageRealFraction: doublePrecision('lineage_real_fraction'),
    /** Permissions granted through the whole ancestry (LicensePermission names). */
    lineagePermissions: text('lineage_permissions').array(),
    search: tsvector('search').generatedAlwaysAs(
      (): SQL =>
        sql`setweight(to_tsvector('english'::regconfig, coalesce(${datasets.title}, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(${datasets.summary}, '')), 'B') || setweight(to_tsvector('english'::regconfig, assay_tags_text(${datasets.tags})), 'B') || setweight(to_tsvector('english'::regconfig, coalesce(${datasets.description}, '')), 'C')`,
    ),
  },
  (t) => [
    uniqueIndex('datasets_vendor_slug_key').on(t.vendorId, t.slug),
    index('datasets_search_idx').using('gin', t.search),
    index('datasets_tags_idx').using('gin', t.tags),
    index('datasets_published_idx')
      .on(t.publishedAt.desc(), t.id)
      .where(sql`${t.status} = 'PUBLISHED'`),
    index('datasets_title_idx')
      .on(t.title, t.id)
      .where(sql`${t.status} = 'PUBLISHED'`),
    // Walked backwards this is exactly RECENTLY_UPDATED's order (updated_at DESC, id DESC, NULLS FIRST as PostgreSQL
    // sorts DESC), so a page reads a few index entries instead of sorting every listing.
    index('datasets_updated_idx').on(t.updatedAt, t.id),
    index('datasets_lineage_depth_idx')
      .on(t.lineageGenerationDepth)
      .where(sql`${t.status} = 'PUBLISHED'`),
    index('datasets_lineage_real_fraction_idx')
      .on(t.lineageRealFraction)
      .where(sql`${t.status} = 'PUBLISHED'`),
    index('datasets_lineage_permissions_idx').using('gin', t.lineagePermissions),
  ],
);

export const datasetVersions = pgTable(
  'dataset_versions',
  {
    id: text('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id),
    version: text('version').notNull(),
    status: versionStatus('status').notNull().default('DRAFT'),
    format: text('format'),
    columns: jsonb('columns')
      .$type<ColumnSpec[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    sample: jsonb('sample').$type<Record<string, unknown>[]>(),
    changelog: text('changelog'),
    rowCount: bigint('row_count', { mode: 'bigint' }),
    byteSize: bigint('byte_size', { mode: 'bigint' }),
    /** SHA-256 over the sorted file manifest, fixed at publish. */
    manifestSha256: text('manifest_sha256'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    retractedAt: timestamp('retracted_at', { withTimezone: true }),
    retractionReason: text('retraction_reason'),
  },
  (t) => [
    uniqueIndex('dataset_versions_dataset_version_key').on(t.datasetId, t.version),
    index('dataset_versions_dataset_idx').on(t.datasetId, t.createdAt.desc(), t.id),
    // Retracted versions are few: "is any ancestor retracted" probes this small index instead of every ancestor's row.
    index('dataset_versions_retracted_idx')
      .on(t.id)
      .where(sql`${t.status} = 'RETRACTED'`),
  ],
);

export const dataFiles = pgTable(
  'data_files',
  {
    id: text('id').primaryKey(),
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    byteSize: bigint('byte_size', { mode: 'bigint' }).notNull(),
    sha256: text('sha256').notNull(),
    rowCount: bigint('row_count', { mode: 'bigint' }),
    position: integer('position').notNull(),
  },
  (t) => [uniqueIndex('data_files_version_path_key').on(t.versionId, t.path)],
);
