import DataLoader from 'dataloader';
import { and, asc, desc, eq, getTableColumns, inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { executePrepared, renderQuery, type DbOrTx, type RenderedQuery } from '../client.js';
import type { TenantScope } from '../../accounts/viewer.js';
import { tenantSql } from './tenant.js';
import { byKey, groupBy, PrimedLoader } from './batch.js';
import { versionColumns } from './version-columns.js';
import { JsonRowCodec } from '../json-rows.js';
import {
  coverageGroups,
  coverageReports,
  dataFiles,
  datasets,
  datasetVersions,
  offers,
  organizations,
  versionLineage,
} from '../tables/index.js';
import type { OrganizationRow } from './accounts-store.js';
import { retractedAncestorIdsOf, type VersionLineageRow } from './lineage-store.js';
import type { OfferRow } from './offers-store.js';
import type { CursorKey } from '../../pagination.js';

const { search: _search, ...datasetColumns } = getTableColumns(datasets);

export type DatasetRow = Omit<typeof datasets.$inferSelect, 'search'>;
export type DatasetVersionRow = Omit<typeof datasetVersions.$inferSelect, 'sample'>;
export type VersionSample = (typeof datasetVersions.$inferSelect)['sample'];
export type DataFileRow = typeof dataFiles.$inferSelect;
export type DatasetStatus = DatasetRow['status'];
export type DatasetKind = DatasetRow['kind'];
export type Modality = DatasetRow['modality'];

export const PERMISSION_COLUMNS = {
  COMMERCIAL_USE: datasets.commercialUse,
  MODEL_TRAINING: datasets.modelTraining,
  DERIVATIVES: datasets.derivatives,
  SYNTHETIC_GENERATION: datasets.syntheticGeneration,
  REDISTRIBUTION: datasets.redistribution,
} as const;
export type Permission = keyof typeof PERMISSION_COLUMNS | 'NO_ATTRIBUTION';

export type DatasetOrder = 'RELEVANCE' | 'NEWEST' | 'OLDEST' | 'TITLE' | 'RECENTLY_UPDATED';

export interface DatasetListQuery {
  /** Who may see non-published listings: staff any, a vendor its own, everyone the PUBLISHED ones. */
  scope: TenantScope;
  statuses: DatasetStatus[];
  kinds?: DatasetKind[];
  modalities?: Modality[];
  tags?: string[];
  vendorId?: string;
  permissions?: Permission[];
  /** Lineage of the latest published version (denormalized onto the dataset row at publish). */
  maxGenerationDepth?: number;
  minRealFraction?: number;
  /** Allowed through the whole ancestry and by the dataset's own current terms. */
  inheritedPermissions?: Permission[];
  /** The latest version's newest report on `attribute` has `group` with at least this share and/or count. */
  coverage?: { attribute: string; group: string; minShare?: number; minCount?: number };
  search?: string;
  order: DatasetOrder;
  /** Sort key values of the row to page from: the previous page's last row (or, backward, the next page's first). */
  after?: (string | number)[];
  /** Read the other way from `after` (a `last`/`before` page): nearest the cursor first, the caller turns it back. */
  backward?: boolean;
  limit: number;
}

export type ListedDataset = DatasetRow & { rank: number | null };

/** The sort keys of a listing, as columns of the table or of the page subquery. */
interface SortColumns {
  id: SQLWrapper;
  rank: SQLWrapper;
  title: SQLWrapper;
  updatedAt: SQLWrapper;
}

/** What a catalog page reads besides the listings, in the same statement. */
export interface CatalogPageIncludes {
  vendor?: boolean;
  latestVersion?: boolean;
  /** The latest version's frozen lineage summary and its retracted ancestors. */
  lineage?: boolean;
  /** Every offer of the listing, archived ones too (who may see which is the offers service's call). */
  offers?: boolean;
  /**
   * Only the columns the listing fields need (`LISTING_COLUMNS`; the resolvers decide when a selection asks for no
   * more): the rows are partial, so they are kept with the page (`listings`) and never primed into a loader.
   */
  slim?: boolean;
}

/**
 * The columns a slim catalog page reads of each table: what the listing fields a client may select show, what
 * their resolvers read (terms, visibility, sort keys for cursors, collapse risk) and the keys.
 */
export const LISTING_COLUMNS = {
  dataset: [
    'id',
    'vendorId',
    'slug',
    'title',
    'summary',
    'kind',
    'modality',
    'tags',
    'status',
    'suspendedReason',
    'spdxId',
    'commercialUse',
    'modelTraining',
    'derivatives',
    'syntheticGeneration',
    'redistribution',
    'attributionRequired',
    'latestVersionId',
    'updatedAt',
    'publishedAt',
  ],
  vendor: ['id', 'slug', 'name', 'kind'],
  version: ['id', 'datasetId', 'version', 'status', 'rowCount', 'byteSize', 'publishedAt', 'retractionReason'],
  lineage: ['versionId', 'generationDepth', 'realFraction', 'humanReviewedFraction', 'collapseRisk', 'collapseReasons', 'collapseFindings'],
  offer: [
    'id',
    'datasetId',
    'vendorId',
    'name',
    'active',
    'pricingModel',
    'currency',
    'amountCents',
    'termDays',
    'billingInterval',
    'usageUnit',
    'unitAmountCents',
    'includedUnits',
    'usageCap',
    'requiresApproval',
    'royaltyBps',
    'trialDays',
    'visibleTo',
  ],
} as const satisfies {
  dataset: readonly (keyof DatasetRow)[];
  vendor: readonly (keyof OrganizationRow)[];
  version: readonly (keyof DatasetVersionRow)[];
  lineage: readonly (keyof VersionLineageRow)[];
  offer: readonly (keyof OfferRow)[];
};

/** One listing of a catalog page and, as asked for, what belongs to it. */
export interface CatalogPageRow {
  dataset: ListedDataset;
  vendor?: OrganizationRow;
  latestVersion?: DatasetVersionRow | null;
  /** Null when the listing has no latest version; `summary` undefined when the version has no frozen summary. */
  lineage?: { summary: VersionLineageRow | undefined; retractedAncestorIds: string[] } | null;
  offers?: OfferRow[];
}

type JsonRow = unknown[];
/** One listing of the page's JSON: `[dataset, rank, vendor, latest version, lineage, retracted ancestor IDs, offers]`. */
type CatalogPageJson = [
  dataset: JsonRow,
  rank: number | null,
  vendor: JsonRow | null,
  latestVersion: JsonRow | null,
  lineage: JsonRow | null,
  retractedAncestorIds: string[] | null,
  offers: JsonRow[] | null,
];

/**
 * Enum members and page sizes go into the catalog statement as literals rather than parameters: a browse page
 * then has no parameters at all, so its prepared statement's cached plan is exactly the plan for its values (and
 * a partial index on status = 'PUBLISHED' stays usable). Only closed sets and validated integers qualify.
 */
function literals(values: readonly string[]): SQL {
  if (!values.every((v) => /^[A-Z][A-Z_]*$/.test(v))) throw new Error(`not enum members: ${values.join(', ')}`);
  // `x IN (NULL)` matches nothing, as an empty list should.
  return sql.raw(values.length ? values.map((v) => `'${v}'`).join(', ') : 'NULL');
}
function literal(n: number): SQL {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return sql.raw(String(n));
}

/** Rendered catalog statements (pages and counts) by what they list (a bounded, oldest-out cache). */
const renderedListings = new Map<string, RenderedQuery>();
const MAX_RENDERED_LISTINGS = 500;

/** Every column of `table` but `keep`. */
const allBut = (table: PgTable, keep: readonly string[]) => Object.keys(getTableColumns(table)).filter((k) => !keep.includes(k));

/** The codecs of a full page and of a slim one. */
const pageCodecs = (slim: boolean) => ({
  dataset: new JsonRowCodec<typeof datasets, DatasetRow>(datasets, slim ? allBut(datasets, LISTING_COLUMNS.dataset) : ['search']),
  vendor: new JsonRowCodec(organizations, slim ? allBut(organizations, LISTING_COLUMNS.vendor) : []),
  version: new JsonRowCodec<typeof datasetVersions, DatasetVersionRow>(
    datasetVersions,
    slim ? allBut(datasetVersions, LISTING_COLUMNS.version) : ['sample'],
  ),
  lineage: new JsonRowCodec(versionLineage, slim ? allBut(versionLineage, LISTING_COLUMNS.lineage) : []),
  offer: new JsonRowCodec(offers, slim ? allBut(offers, LISTING_COLUMNS.offer) : []),
});
const fullPage = pageCodecs(false);
const slimPage = pageCodecs(true);

export interface VersionPageKey {
  datasetId: string;
  includeDrafts: boolean;
  afterId: string | undefined;
  limit: number;
}
const versionPageKey = (k: VersionPageKey) => `${k.datasetId}|${k.includeDrafts}|${k.afterId ?? ''}|${k.limit}`;

/** Data access for datasets, versions and files; one instance per request. */
export class CatalogStore {
  constructor(private readonly db: DbOrTx) {}

  /**
   * What a slim catalog page read with each of its (partial) listing rows, by the row itself, and the page row of
   * each listed latest version: only the resolvers below that page are handed these rows.
   */
  readonly listings = new WeakMap<DatasetRow, CatalogPageRow>();
  readonly listedVersions = new WeakMap<DatasetVersionRow, CatalogPageRow>();

  readonly datasetById = new DataLoader<string, DatasetRow | undefined>(async (ids) =>
    byKey(
      ids,
      await this.db
        .select(datasetColumns)
        .from(datasets)
        .where(inArray(datasets.id, [...ids])),
      (r) => r.id,
    ),
  );

  readonly versionById = new PrimedLoader<string, DatasetVersionRow | undefined>(async (ids) =>
    byKey(
      ids,
      await this.db
        .select(versionColumns)
        .from(datasetVersions)
        .where(inArray(datasetVersions.id, [...ids])),
      (r) => r.id,
    ),
  );

  /** A version's free sample rows (null when it has none). */
  readonly sampleByVersionId = new DataLoader<string, VersionSample>(async (ids) =>
    byKey(
      ids,
      await this.db
        .select({ id: datasetVersions.id, sample: datasetVersions.sample })
        .from(datasetVersions)
        .where(inArray(datasetVersions.id, [...ids])),
      (r) => r.id,
    ).map((r) => r?.sample ?? null),
  );

  readonly filesByVersionId = new DataLoader<string, DataFileRow[]>(async (ids) =>
    groupBy(
      ids,
      await this.db
        .select()
        .from(dataFiles)
        .where(inArray(dataFiles.versionId, [...ids]))
        .orderBy(dataFiles.versionId, dataFiles.position),
      (r) => r.versionId,
    ),
  );

  async datasetBySlugs(vendorSlug: string, datasetSlug: string): Promise<DatasetRow | undefined> {
    const [row] = await this.db
      .select(datasetColumns)
      .from(datasets)
      .innerJoin(organizations, eq(organizations.id, datasets.vendorId))
      .where(and(eq(organizations.slug, vendorSlug), eq(datasets.slug, datasetSlug)))
      .limit(1);
    return row;
  }

  async datasetByVendorSlug(vendorId: string, slug: string): Promise<DatasetRow | undefined> {
    const [row] = await this.db
      .select(datasetColumns)
      .from(datasets)
      .where(and(eq(datasets.vendorId, vendorId), eq(datasets.slug, slug)))
      .limit(1);
    return row;
  }

  /** Locks a dataset row for the rest of the transaction (publishing serializes per dataset). */
  async lockDataset(id: string): Promise<DatasetRow | undefined> {
    const [row] = await this.db.select(datasetColumns).from(datasets).where(eq(datasets.id, id)).for('update');
    return row;
  }

  async insertDataset(row: typeof datasets.$inferInsert): Promise<DatasetRow> {
    const [created] = await this.db.insert(datasets).values(row).returning(datasetColumns);
    return created!;
  }

  async updateDataset(id: string, patch: Partial<typeof datasets.$inferInsert>): Promise<DatasetRow> {
    const [updated] = await this.db.update(datasets).set(patch).where(eq(datasets.id, id)).returning(datasetColumns);
    return updated!;
  }

  async insertVersion(row: typeof datasetVersions.$inferInsert): Promise<DatasetVersionRow> {
    const [created] = await this.db.insert(datasetVersions).values(row).returning(versionColumns);
    return created!;
  }

  async updateVersion(id: string, patch: Partial<typeof datasetVersions.$inferInsert>): Promise<DatasetVersionRow> {
    const [updated] = await this.db.update(datasetVersions).set(patch).where(eq(datasetVersions.id, id)).returning(versionColumns);
    return updated!;
  }

  async versionByNumber(datasetId: string, version: string): Promise<DatasetVersionRow | undefined> {
    const [row] = await this.db
      .select(versionColumns)
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.version, version)))
      .limit(1);
    return row;
  }

  async publishedVersionNumbers(datasetId: string): Promise<string[]> {
    const rows = await this.db
      .select({ version: datasetVersions.version })
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetId, datasetId), sql`${datasetVersions.status} <> 'DRAFT'`));
    return rows.map((r) => r.version);
  }

  /** IDs of a dataset's PUBLISHED versions (not drafts, not retracted), newest first. */
  async publishedVersionIds(datasetId: string): Promise<string[]> {
    const rows = await this.db
      .select({ id: datasetVersions.id })
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.status, 'PUBLISHED')))
      .orderBy(desc(datasetVersions.id));
    return rows.map((r) => r.id);
  }

  /** Replaces a draft version's file list. */
  async replaceFiles(versionId: string, files: Omit<typeof dataFiles.$inferInsert, 'versionId'>[]): Promise<void> {
    await this.db.delete(dataFiles).where(eq(dataFiles.versionId, versionId));
    if (files.length > 0) await this.db.insert(dataFiles).values(files.map((f) => ({ ...f, versionId })));
  }

  /**
   * A page of each dataset's versions, newest first (IDs are time-ordered), `limit + 1` rows each; drafts only when
   * `includeDrafts`. Batched: the datasets of a catalog page share one statement per (drafts, after, limit).
   */
  readonly versionPages = new DataLoader<VersionPageKey, DatasetVersionRow[], string>(
    async (keys) => {
      const groups = new Map<string, VersionPageKey[]>();
      for (const k of keys) {
        const g = `${k.includeDrafts}|${k.afterId ?? ''}|${k.limit}`;
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      const pages = new Map<string, DatasetVersionRow[]>();
      for (const group of groups.values()) {
        const { includeDrafts, afterId, limit } = group[0]!;
        // row_number per dataset keeps each page bounded however many versions a dataset has.
        const ranked = this.db
          .select({
            ...versionColumns,
            rank: sql<number>`row_number() over (partition by ${datasetVersions.datasetId} order by ${datasetVersions.id} desc)`.as('rank'),
          })
          .from(datasetVersions)
          .where(
            and(
              inArray(
                datasetVersions.datasetId,
                group.map((k) => k.datasetId),
              ),
              includeDrafts ? undefined : sql`${datasetVersions.status} <> 'DRAFT'`,
              afterId ? sql`${datasetVersions.id} < ${afterId}` : undefined,
            ),
          )
          .as('ranked');
        const rows = await this.db
          .select()
          .from(ranked)
          .where(sql`${ranked.rank} <= ${limit + 1}`)
          .orderBy(ranked.datasetId, desc(ranked.id));
        for (const { rank: _rank, ...row } of rows) {
          const key = versionPageKey({ datasetId: row.datasetId, includeDrafts, afterId, limit });
          pages.set(key, [...(pages.get(key) ?? []), row as DatasetVersionRow]);
        }
      }
      return keys.map((k) => pages.get(versionPageKey(k)) ?? []);
    },
    { cacheKeyFn: versionPageKey },
  );

  /** How many versions each dataset has (drafts only when `includeDrafts`), batched like `versionPages`. */
  readonly versionCounts = new DataLoader<{ datasetId: string; includeDrafts: boolean }, number, string>(
    async (keys) => {
      const counts = new Map<string, number>();
      for (const includeDrafts of [true, false]) {
        const ids = keys.filter((k) => k.includeDrafts === includeDrafts).map((k) => k.datasetId);
        if (ids.length === 0) continue;
        const rows = await this.db
          .select({ datasetId: datasetVersions.datasetId, n: sql<number>`count(*)::int` })
          .from(datasetVersions)
          .where(and(inArray(datasetVersions.datasetId, ids), includeDrafts ? undefined : sql`${datasetVersions.status} <> 'DRAFT'`))
          .groupBy(datasetVersions.datasetId);
        for (const r of rows) counts.set(`${r.datasetId}|${includeDrafts}`, r.n);
      }
      return keys.map((k) => counts.get(`${k.datasetId}|${k.includeDrafts}`) ?? 0);
    },
    { cacheKeyFn: (k) => `${k.datasetId}|${k.includeDrafts}` },
  );

  /**
   * The catalog query: filters, full-text relevance, keyset pagination; `limit + 1` rows. What `include` names
   * comes back in the same statement (the vendor, the latest version with its lineage summary and retracted
   * ancestors, every offer), so a whole catalog page is one round trip however many listings it shows.
   */
  async listDatasets(q: DatasetListQuery, include: CatalogPageIncludes = {}): Promise<CatalogPageRow[]> {
    const query = this.rendered(JSON.stringify(['page', q, include]), () => this.catalogPageSql(q, include));
    const { rows } = await executePrepared<{ page: CatalogPageJson[] }>(this.db, query);
    const json = include.slim ? slimPage : fullPage;
    return rows[0]!.page.map(([dataset, rank, vendor, latestVersion, lineage, retractedAncestorIds, offers]) => {
      const row: CatalogPageRow = { dataset: json.dataset.decode(dataset, { rank }) };
      if (include.vendor) row.vendor = json.vendor.decode(vendor!);
      if (include.latestVersion) row.latestVersion = latestVersion ? json.version.decode(latestVersion) : null;
      if (include.lineage) {
        row.lineage = retractedAncestorIds ? { summary: lineage ? json.lineage.decode(lineage) : undefined, retractedAncestorIds } : null;
      }
      if (include.offers) row.offers = offers!.map((o) => json.offer.decode(o));
      return row;
    });
  }

  /** The statement of `listDatasets`. */
  private catalogPageSql(q: DatasetListQuery, include: CatalogPageIncludes): SQL {
    const { from, tsquery } = this.searched(q);
    const rank = tsquery ? sql<number>`ts_rank_cd(${datasets.search}, ${tsquery}, 32)` : sql<null>`NULL::real`;
    // The page is chosen on its sort keys alone; the rows and what belongs to them are read for those rows only.
    // Ordered by the rank it selects (`rank`), so the rank is computed once per matching row.
    const page = sql`SELECT ${datasets.id}, ${rank} AS rank, ${datasets.title}, ${datasets.updatedAt} FROM ${from}
      WHERE ${and(...this.filterConditions(q, tsquery), this.afterCondition(q, rank))}
      ORDER BY ${sql.join(this.orderBy(q, { id: datasets.id, rank: sql`rank`, title: datasets.title, updatedAt: datasets.updatedAt }), sql`, `)}`;
    const withVersion = include.latestVersion || include.lineage;
    const p = (column: string) => sql`p.${sql.identifier(column)}`;
    const json = include.slim ? slimPage : fullPage;
    // The whole page is one JSON value (one row, one field): one parse for the page instead of one per related row.
    const none = sql`NULL`;
    const listing = [
      json.dataset.json('d'),
      sql`p.rank`,
      include.vendor ? json.vendor.json('o') : none,
      include.latestVersion ? sql`CASE WHEN v.id IS NULL THEN NULL ELSE ${json.version.json('v')} END` : none,
      include.lineage ? sql`CASE WHEN l.version_id IS NULL THEN NULL ELSE ${json.lineage.json('l')} END` : none,
      include.lineage ? sql`CASE WHEN v.id IS NULL THEN NULL ELSE to_json(${retractedAncestorIdsOf(sql`v.id`)}) END` : none,
      include.offers
        ? sql`(SELECT coalesce(json_agg(${json.offer.json('f')} ORDER BY f.id), '[]') FROM ${offers} f WHERE f.dataset_id = d.id)`
        : none,
    ];
    return sql`
      /* catalogPage */
      SELECT coalesce(json_agg(json_build_array(${sql.join(listing, sql`, `)})
        ORDER BY ${sql.join(this.orderBy(q, { id: p('id'), rank: p('rank'), title: p('title'), updatedAt: p('updated_at') }), sql`, `)}), '[]') AS page
      FROM (${page} LIMIT ${literal(q.limit + 1)}) p
      JOIN ${datasets} d ON d.id = p.id
      ${include.vendor ? sql`JOIN ${organizations} o ON o.id = d.vendor_id` : sql``}
      ${withVersion ? sql`LEFT JOIN ${datasetVersions} v ON v.id = d.latest_version_id` : sql``}
      ${include.lineage ? sql`LEFT JOIN ${versionLineage} l ON l.version_id = v.id` : sql``}`;
  }

  async countDatasets(q: DatasetListQuery): Promise<number> {
    const { after: _after, backward: _backward, limit: _limit, ...filters } = q;
    const query = this.rendered(JSON.stringify(['count', filters]), () => {
      const { from, tsquery } = this.searched(q);
      return sql`/* catalogCount */ SELECT count(*)::int AS n FROM ${from} WHERE ${and(...this.filterConditions(q, tsquery))}`;
    });
    const { rows } = await executePrepared<{ n: number }>(this.db, query);
    return rows[0]!.n;
  }

  /**
   * A listing statement asked for again (the catalog's first page above all, and its count) runs as rendered the
   * first time, rather than through the query builder on every request.
   */
  private rendered(key: string, build: () => SQL): RenderedQuery {
    let query = renderedListings.get(key);
    if (!query) {
      query = renderQuery(this.db, build());
      if (renderedListings.size >= MAX_RENDERED_LISTINGS) renderedListings.delete(renderedListings.keys().next().value!);
      renderedListings.set(key, query);
    }
    return query;
  }

  /**
   * What a listing reads from: the datasets, and for a search the parsed query beside them as `tsq`. Parsed once
   * per statement from its one parameter (not once per row, as a call in each condition is once the statement has
   * a generic plan), so the prepared statement can keep one plan for every search text.
   */
  private searched(q: DatasetListQuery): { from: SQL; tsquery: SQL | undefined } {
    if (!q.search) return { from: sql`${datasets}`, tsquery: undefined };
    return { from: sql`${datasets}, websearch_to_tsquery('english', ${q.search}) AS tsq`, tsquery: sql`tsq` };
  }

  /** Sort key values of a listed row, for its cursor. */
  static sortKeys(order: DatasetOrder, row: ListedDataset): (string | number)[] {
    switch (order) {
      case 'RELEVANCE':
        return [row.rank ?? 0, row.id];
      case 'NEWEST':
      case 'OLDEST':
        return [row.id];
      case 'TITLE':
        return [row.title, row.id];
      case 'RECENTLY_UPDATED':
        return [row.updatedAt.toISOString(), row.id];
    }
  }

  /** What each sort key of `order` holds, so a crafted cursor is refused before it reaches SQL. */
  static sortKeyKinds(order: DatasetOrder): CursorKey[] {
    switch (order) {
      case 'RELEVANCE':
        return ['number', 'text'];
      case 'NEWEST':
      case 'OLDEST':
        return ['text'];
      case 'TITLE':
        return ['text', 'text'];
      case 'RECENTLY_UPDATED':
        return ['timestamp', 'text'];
    }
  }

  private filterConditions(q: DatasetListQuery, tsquery: SQL | undefined): (SQL | undefined)[] {
    const visible =
      q.scope.kind === 'platform'
        ? undefined
        : sql`(${datasets.status} = 'PUBLISHED' OR ${tenantSql(q.scope, (org) => sql`${datasets.vendorId} = ${org}`)})`;
    // Constants, not parameters (as `literals` says): the plan is then the one for these values.
    const permitted = (p: Permission) =>
      p === 'NO_ATTRIBUTION' ? sql`${datasets.attributionRequired} = false` : sql`${PERMISSION_COLUMNS[p]} = true`;
    const permissions = (q.permissions ?? []).map(permitted);
    return [
      sql`${datasets.status} IN (${literals(q.statuses)})`,
      visible,
      q.kinds?.length ? sql`${datasets.kind} IN (${literals(q.kinds)})` : undefined,
      q.modalities?.length ? sql`${datasets.modality} IN (${literals(q.modalities)})` : undefined,
      q.tags?.length ? sql`${datasets.tags} @> ${sql.param(q.tags, datasets.tags)}` : undefined,
      q.vendorId ? eq(datasets.vendorId, q.vendorId) : undefined,
      tsquery ? sql`${datasets.search} @@ ${tsquery}` : undefined,
      ...permissions,
      // A literal: with a parameter, a generic plan guesses a third of the rows and ANDs in an index scan of most of them.
      q.maxGenerationDepth !== undefined ? sql`${datasets.lineageGenerationDepth} <= ${literal(q.maxGenerationDepth)}` : undefined,
      q.minRealFraction !== undefined ? sql`${datasets.lineageRealFraction} >= ${q.minRealFraction}` : undefined,
      ...(q.inheritedPermissions?.length
        ? [
            sql`${datasets.lineagePermissions} @> ${sql.param(q.inheritedPermissions, datasets.lineagePermissions)}`,
            // Terms the vendor restricted after publishing still bind.
            ...q.inheritedPermissions.map(permitted),
          ]
        : []),
      q.coverage ? this.coverageCondition(q.coverage) : undefined,
    ];
  }

  /** A correlated probe of the latest version's newest report on the attribute: stays inside the one catalog statement. */
  private coverageCondition(c: NonNullable<DatasetListQuery['coverage']>): SQL {
    return sql`EXISTS (
      SELECT 1 FROM ${coverageGroups} g
      WHERE g.report_id = (
          SELECT r.id FROM ${coverageReports} r
          WHERE r.version_id = ${datasets.latestVersionId} AND r.attribute = ${c.attribute}
          ORDER BY r.created_at DESC, r.id DESC LIMIT 1)
        AND g.value = ${c.group}
        ${c.minShare !== undefined ? sql`AND g.share >= ${c.minShare}` : sql``}
        ${c.minCount !== undefined ? sql`AND g.count >= ${c.minCount}` : sql``})`;
  }

  /** Rows beyond the cursor in the reading direction (backward: before it in the list's order). */
  private afterCondition(q: DatasetListQuery, rank: SQL): SQL | undefined {
    const a = q.after;
    if (!a) return undefined;
    // `lt`/`gt` as the list reads forward; a backward page swaps them.
    const [lt, gt] = q.backward ? [sql`>`, sql`<`] : [sql`<`, sql`>`];
    switch (q.order) {
      case 'RELEVANCE':
        return sql`(${rank} ${lt} ${a[0]}::real OR (${rank} = ${a[0]}::real AND ${datasets.id} ${gt} ${a[1]}))`;
      case 'NEWEST':
        return sql`${datasets.id} ${lt} ${a[0]}`;
      case 'OLDEST':
        return sql`${datasets.id} ${gt} ${a[0]}`;
      case 'TITLE':
        return sql`(${datasets.title}, ${datasets.id}) ${gt} (${a[0]}, ${a[1]})`;
      case 'RECENTLY_UPDATED':
        return sql`(${datasets.updatedAt}, ${datasets.id}) ${lt} (${a[0]}::timestamptz, ${a[1]})`;
    }
  }

  /** The list's order, or (backward) its reverse. */
  private orderBy(q: DatasetListQuery, keys: SortColumns): SQL[] {
    const [up, down] = q.backward ? [desc, asc] : [asc, desc];
    const rankOrder = q.backward ? sql`ASC` : sql`DESC`;
    switch (q.order) {
      case 'RELEVANCE':
        return [sql`${keys.rank} ${rankOrder}`, up(keys.id)];
      case 'NEWEST':
        return [down(keys.id)];
      case 'OLDEST':
        return [up(keys.id)];
      case 'TITLE':
        return [up(keys.title), up(keys.id)];
      case 'RECENTLY_UPDATED':
        return [down(keys.updatedAt), down(keys.id)];
    }
  }
}
