import DataLoader from 'dataloader';
import { and, desc, eq, getTableColumns, inArray, sql, type SQLWrapper } from 'drizzle-orm';
import { LIVE_LICENSE_STATUSES, statusList } from '../../licensing/transitions.js';
import type { Provenance } from '../../lineage/provenance.js';
import type { OptOutEvidence, OptOutEvidenceEntry } from '../../lineage/opt-out.js';
import type { DbOrTx } from '../client.js';
import { byKey, groupBy, PrimedLoader } from './batch.js';
import type { DatasetVersionRow } from './catalog-store.js';
import { versionColumns } from './version-columns.js';
import { textArray } from '../sql-arrays.js';
import {
  datasetVersions,
  datasets,
  lineageClosure,
  lineageEdges,
  optOutEvidence,
  qualityReports,
  versionLineage,
  versionProvenance,
} from '../tables/index.js';

export type VersionLineageRow = typeof versionLineage.$inferSelect;
export type QualityReportRow = typeof qualityReports.$inferSelect;
export type LineageEdgeRow = typeof lineageEdges.$inferSelect;

/** An ancestor or descendant of a version and the shortest path length to it. */
export interface LineageLink {
  versionId: string;
  depth: number;
}

/** Which links to read: up to `maxDepth` generations away, at most `limit` of them, nearest first. */
export interface LinkQuery {
  versionId: string;
  maxDepth: number;
  limit: number;
}

const linkKey = (q: LinkQuery) => `${q.versionId}|${q.maxDepth}|${q.limit}`;

/** Groups DataLoader keys by their depth and limit, so a page of versions asking the same thing is one query. */
async function batchLinks(
  keys: readonly LinkQuery[],
  fetch: (ids: string[], maxDepth: number, limit: number) => Promise<{ key: string; versionId: string; depth: number }[]>,
): Promise<LineageLink[][]> {
  const groups = new Map<string, LinkQuery[]>();
  for (const k of keys) {
    const g = `${k.maxDepth}|${k.limit}`;
    groups.set(g, [...(groups.get(g) ?? []), k]);
  }
  const found = new Map<string, LineageLink[]>(keys.map((k) => [linkKey(k), []]));
  for (const group of groups.values()) {
    const { maxDepth, limit } = group[0]!;
    for (const row of await fetch([...new Set(group.map((k) => k.versionId))], maxDepth, limit)) {
      found.get(`${row.key}|${maxDepth}|${limit}`)?.push({ versionId: row.versionId, depth: row.depth });
    }
  }
  return keys.map((k) => found.get(linkKey(k))!);
}

/** The retracted ancestors of the version `versionId` names (an SQL expression), nearest first, as a text[]. */
export const retractedAncestorIdsOf = (versionId: SQLWrapper) => sql<string[]>`ARRAY(
  SELECT c.ancestor_id FROM ${lineageClosure} c JOIN ${datasetVersions} rv ON rv.id = c.ancestor_id
  WHERE c.descendant_id = ${versionId} AND c.depth >= 1 AND rv.status = 'RETRACTED'
  ORDER BY c.depth, c.ancestor_id)`;

/** Data access for provenance, the lineage closure, lineage summaries and quality reports; one instance per request. */
export class LineageStore {
  constructor(private readonly db: DbOrTx) {}

  readonly provenanceByVersionId = new DataLoader<string, Provenance | undefined>(async (ids) => {
    const rows = await this.db
      .select()
      .from(versionProvenance)
      .where(inArray(versionProvenance.versionId, [...ids]));
    return byKey(ids, rows, (r) => r.versionId).map((r) => r?.provenance);
  });

  /**
   * Frozen lineage summaries. The same statement reads each version's retracted ancestors and primes
   * `retractedAncestorIds` with them: whoever shows a summary nearly always shows the collapse risk too, and one
   * statement fewer per page is measurable (see README "Benchmark").
   */
  readonly summaryByVersionId = new PrimedLoader<string, VersionLineageRow | undefined>(async (ids) => {
    const rows = await this.db
      .select({ ...getTableColumns(versionLineage), retractedAncestorIds: retractedAncestorIdsOf(versionLineage.versionId) })
      .from(versionLineage)
      .where(inArray(versionLineage.versionId, [...ids]));
    const map = new Map<string, VersionLineageRow>();
    for (const { retractedAncestorIds, ...row } of rows) {
      map.set(row.versionId, row);
      this.retractedAncestorIds.prime(row.versionId, retractedAncestorIds);
    }
    return ids.map((id) => map.get(id));
  });

  /**
   * Ancestors of published versions from the closure table: one indexed query for a whole page of versions, each
   * version's list capped by a LATERAL LIMIT.
   */
  readonly ancestors = new DataLoader<LinkQuery, LineageLink[], string>(
    (keys) =>
      batchLinks(keys, async (ids, maxDepth, limit) => {
        const { rows } = await this.db.execute<{ key: string; versionId: string; depth: number }>(sql`
          /* lineageAncestors */
          SELECT k.id AS "key", a.ancestor_id AS "versionId", a.depth
          FROM unnest(${textArray(ids)}) AS k(id)
          CROSS JOIN LATERAL (
            SELECT c.ancestor_id, c.depth FROM ${lineageClosure} c
            WHERE c.descendant_id = k.id AND c.depth BETWEEN 1 AND ${maxDepth}
            ORDER BY c.depth, c.ancestor_id
            LIMIT ${limit}
          ) a`);
        return rows;
      }),
    { cacheKeyFn: linkKey },
  );

  /** Descendants of published versions, nearest first; same shape as `ancestors`. */
  readonly descendants = new DataLoader<LinkQuery, LineageLink[], string>(
    (keys) =>
      batchLinks(keys, async (ids, maxDepth, limit) => {
        const { rows } = await this.db.execute<{ key: string; versionId: string; depth: number }>(sql`
          /* lineageDescendants */
          SELECT k.id AS "key", d.descendant_id AS "versionId", d.depth
          FROM unnest(${textArray(ids)}) AS k(id)
          CROSS JOIN LATERAL (
            SELECT c.descendant_id, c.depth FROM ${lineageClosure} c
            WHERE c.ancestor_id = k.id AND c.depth BETWEEN 1 AND ${maxDepth}
            ORDER BY c.depth, c.descendant_id
            LIMIT ${limit}
          ) d`);
        return rows;
      }),
    { cacheKeyFn: linkKey },
  );

  /**
   * Retracted ancestors of each published version, read through the closure (so retraction rewrites nothing). One
   * indexed probe per version (LATERAL): with a plain IN list, a page of 100 versions gets a parallel bitmap plan that
   * is several times slower (see README "Benchmark").
   */
  readonly retractedAncestorIds = new PrimedLoader<string, string[]>(async (ids) => {
    const { rows } = await this.db.execute<{ descendantId: string; ancestorId: string }>(sql`
      /* lineageRetractedAncestors */
      SELECT k.id AS "descendantId", a.ancestor_id AS "ancestorId"
      FROM unnest(${textArray(ids)}) AS k(id)
      CROSS JOIN LATERAL (
        SELECT c.ancestor_id, c.depth FROM ${lineageClosure} c
        JOIN ${datasetVersions} v ON v.id = c.ancestor_id
        WHERE c.descendant_id = k.id AND c.depth >= 1 AND v.status = 'RETRACTED'
      ) a
      ORDER BY k.id, a.depth, a.ancestor_id`);
    const map = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (const r of rows) map.get(r.descendantId)?.push(r.ancestorId);
    return ids.map((id) => map.get(id)!);
  });

  readonly qualityReportsByVersionId = new DataLoader<string, QualityReportRow[]>(async (ids) => {
    const rows = await this.db
      .select()
      .from(qualityReports)
      .where(inArray(qualityReports.versionId, [...ids]))
      .orderBy(qualityReports.versionId, desc(qualityReports.id));
    return groupBy(ids, rows, (r) => r.versionId);
  });

  readonly qualityReportById = new DataLoader<string, QualityReportRow | undefined>(async (ids) => {
    const rows = await this.db
      .select()
      .from(qualityReports)
      .where(inArray(qualityReports.id, [...ids]));
    return byKey(ids, rows, (r) => r.id);
  });

  /**
   * Ancestors of a version not yet in the closure (a draft): its sources and their ancestors, one generation
   * further away than from the sources.
   */
  async ancestorsOfSources(sourceIds: readonly string[], maxDepth: number, limit: number): Promise<LineageLink[]> {
    if (sourceIds.length === 0) return [];
    const { rows } = await this.db.execute<{ versionId: string; depth: number }>(sql`
      /* lineageAncestorsOfSources */
      SELECT c.ancestor_id AS "versionId", min(c.depth)::int + 1 AS depth
      FROM ${lineageClosure} c
      WHERE c.descendant_id = ANY(${textArray(sourceIds)}) AND c.depth < ${maxDepth}
      GROUP BY c.ancestor_id
      ORDER BY depth, c.ancestor_id
      LIMIT ${limit}`);
    return rows;
  }

  /** Stores (or replaces) a draft's declared provenance. */
  /** The opt-out evidence recorded at publish, in the order the vendor gave it. */
  readonly optOutEvidenceByVersionId = new DataLoader<string, OptOutEvidence[]>(async (ids) => {
    const rows = await this.db
      .select()
      .from(optOutEvidence)
      .where(inArray(optOutEvidence.versionId, [...ids]))
      .orderBy(optOutEvidence.versionId, optOutEvidence.position);
    return groupBy(ids, rows, (r) => r.versionId).map((list) =>
      list.map((r) => ({
        signal: r.signal,
        url: r.url,
        value: r.value,
        reserved: r.reserved,
        checkedAt: r.checkedAt.toISOString(),
        sha256: r.sha256,
      })),
    );
  });

  async insertOptOutEvidence(versionId: string, evidence: readonly OptOutEvidenceEntry[], now: Date): Promise<void> {
    if (evidence.length === 0) return;
    await this.db.insert(optOutEvidence).values(evidence.map((e, position) => ({ versionId, position, ...e, recordedAt: now })));
  }

  async saveProvenance(versionId: string, provenance: Provenance, now: Date): Promise<void> {
    await this.db
      .insert(versionProvenance)
      .values({ versionId, provenance, updatedAt: now })
      .onConflictDoUpdate({ target: versionProvenance.versionId, set: { provenance, updatedAt: now } });
  }

  async deleteProvenance(versionId: string): Promise<void> {
    await this.db.delete(versionProvenance).where(eq(versionProvenance.versionId, versionId));
  }

  /** Locks the cited versions against a concurrent retraction until publish commits, and reads their status. */
  async lockSources(ids: readonly string[]): Promise<Map<string, { id: string; datasetId: string; status: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .select({ id: datasetVersions.id, datasetId: datasetVersions.datasetId, status: datasetVersions.status })
      .from(datasetVersions)
      .where(inArray(datasetVersions.id, [...ids]))
      .orderBy(datasetVersions.id)
      .for('share');
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Cycle guard: true when `versionId` is already an ancestor of one of `sourceIds`. */
  async isAncestorOfAny(versionId: string, sourceIds: readonly string[]): Promise<boolean> {
    if (sourceIds.length === 0) return false;
    const rows = await this.db
      .select({ one: sql<number>`1` })
      .from(lineageClosure)
      .where(and(eq(lineageClosure.ancestorId, versionId), inArray(lineageClosure.descendantId, [...sourceIds])))
      .limit(1);
    return rows.length > 0;
  }

  /**
   * Freezes a newly published version's lineage: its parent edges, its summary, and its closure rows, the latter
   * in one INSERT ... SELECT from the sources' own closure rows (shortest path wins in a diamond).
   */
  async freeze(
    versionId: string,
    edges: Omit<LineageEdgeRow, 'versionId'>[],
    summary: Omit<VersionLineageRow, 'versionId'>,
  ): Promise<void> {
    if (edges.length > 0) await this.db.insert(lineageEdges).values(edges.map((e) => ({ ...e, versionId })));
    await this.db.insert(versionLineage).values({ ...summary, versionId });
    await this.db.execute(sql`
      /* insertLineageClosure */
      INSERT INTO ${lineageClosure} (ancestor_id, descendant_id, depth)
      SELECT ${versionId}, ${versionId}, 0
      UNION ALL
      SELECT c.ancestor_id, ${versionId}, min(c.depth) + 1
      FROM ${lineageClosure} c
      WHERE c.descendant_id = ANY(${textArray(edges.map((e) => e.sourceVersionId))})
      GROUP BY c.ancestor_id`);
  }

  /** The newest still-PUBLISHED version of a dataset (what `latestVersionId` falls back to after a retraction). */
  async newestPublishedVersionId(datasetId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ id: datasetVersions.id })
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetId, datasetId), eq(datasetVersions.status, 'PUBLISHED')))
      .orderBy(desc(datasetVersions.publishedAt), desc(datasetVersions.id))
      .limit(1);
    return row?.id ?? null;
  }

  /** Points a dataset at a (possibly different) latest version and copies that version's lineage filter columns. */
  async setDatasetLatest(
    datasetId: string,
    latestVersionId: string | null,
    columns: { lineageGenerationDepth: number | null; lineageRealFraction: number | null; lineagePermissions: string[] | null },
    now: Date,
  ): Promise<void> {
    await this.db
      .update(datasets)
      .set({ latestVersionId, ...columns, updatedAt: now })
      .where(eq(datasets.id, datasetId));
  }

  /** Marks a published version RETRACTED; undefined when it was not PUBLISHED (already retracted, or a draft). */
  async retractVersion(versionId: string, reason: string, now: Date): Promise<DatasetVersionRow | undefined> {
    const [row] = await this.db
      .update(datasetVersions)
      .set({ status: 'RETRACTED', retractedAt: now, retractionReason: reason, updatedAt: now })
      .where(and(eq(datasetVersions.id, versionId), eq(datasetVersions.status, 'PUBLISHED')))
      .returning(versionColumns);
    return row;
  }

  /** Organizations holding a live license on the version's dataset or any descendant's: who a retraction concerns. */
  async licenseesAffectedBy(versionId: string): Promise<string[]> {
    const rows = await this.db.execute<{ licensee_id: string }>(sql`
      /* licenseesAffectedByRetraction */
      SELECT DISTINCT l.licensee_id
      FROM licenses l
      JOIN dataset_versions v ON v.dataset_id = l.dataset_id
      JOIN ${lineageClosure} c ON c.descendant_id = v.id
      WHERE c.ancestor_id = ${versionId} AND l.status IN (${sql.raw(statusList(LIVE_LICENSE_STATUSES))})`);
    return rows.rows.map((r) => r.licensee_id);
  }

  /** How many published versions descend from this one (what a retraction flags). */
  async countDescendants(versionId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(lineageClosure)
      .where(and(eq(lineageClosure.ancestorId, versionId), sql`${lineageClosure.depth} >= 1`));
    return row!.n;
  }

  async insertQualityReport(row: typeof qualityReports.$inferInsert): Promise<QualityReportRow> {
    const [created] = await this.db.insert(qualityReports).values(row).returning();
    return created!;
  }

  /** The parents of versions, for walking the DAG one level per query (the baseline the benchmark compares against). */
  async parentIds(versionIds: readonly string[]): Promise<{ versionId: string; sourceVersionId: string }[]> {
    if (versionIds.length === 0) return [];
    return this.db
      .select({ versionId: lineageEdges.versionId, sourceVersionId: lineageEdges.sourceVersionId })
      .from(lineageEdges)
      .where(inArray(lineageEdges.versionId, [...versionIds]));
  }
}
