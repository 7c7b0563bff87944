import DataLoader from 'dataloader';
import { and, asc, desc, eq, getTableColumns, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { groupBy } from './batch.js';
import { textArray } from '../sql-arrays.js';
import { datasets, datasetVersions, licenses, trainingMixComponents, trainingMixes } from '../tables/index.js';
import type { LicenseRow } from './licensing-store.js';
import type { OrganizationScope } from '../../accounts/viewer.js';

export type TrainingMixRow = typeof trainingMixes.$inferSelect;
export type MixComponentRow = typeof trainingMixComponents.$inferSelect;

/** The one organization whose mixes a store call may touch: mixes are private to their organization, staff included. */
export type MixScope = OrganizationScope;

/** A published REAL version a mix could add, with what suggestions rank and explain it by. */
export interface SuggestionCandidate {
  versionId: string;
  datasetId: string;
  rowCount: number;
}

/** Which REAL versions to consider for a mix's suggestions. */
export interface SuggestionQuery {
  modalities: string[];
  tags: string[];
  search: string | null;
  /** Inherited permissions every candidate must allow (the mix's intended use). */
  permissions: string[];
  excludeVersionIds: string[];
  limit: number;
}

/** Data access for training mixes; one instance per request. Every read and write names the owning organization. */
export class MixesStore {
  constructor(private readonly db: DbOrTx) {}

  /** Mixes by id; a loader so a page of `node` lookups is one statement. Callers check the scope (`mixById`). */
  private readonly mixes = new DataLoader<string, TrainingMixRow | undefined>(async (ids) => {
    const rows = await this.db
      .select()
      .from(trainingMixes)
      .where(inArray(trainingMixes.id, [...ids]));
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id));
  });

  /** The mix when it belongs to the scope's organization; undefined otherwise (another org's mix does not exist). */
  async mixById(scope: MixScope, id: string): Promise<TrainingMixRow | undefined> {
    const row = await this.mixes.load(id);
    return row?.organizationId === scope.organizationId ? row : undefined;
  }

  /** Components of each mix in the order the buyer listed them: one statement for a page of mixes. */
  readonly componentsByMixId = new DataLoader<string, MixComponentRow[]>(async (ids) => {
    const rows = await this.db
      .select()
      .from(trainingMixComponents)
      .where(inArray(trainingMixComponents.mixId, [...ids]))
      .orderBy(trainingMixComponents.mixId, asc(trainingMixComponents.position));
    return groupBy(ids, rows, (r) => r.mixId);
  });

  /**
   * The scope organization's ACTIVE licenses unexpired at `now` covering each version, newest first: one statement for
   * every component of a mix (or of a page of mixes). One loader per organization for the request (its first `now`).
   */
  activeLicenses(scope: MixScope, now: Date): DataLoader<string, LicenseRow[]> {
    const key = scope.organizationId;
    let loader = this.licenseLoaders.get(key);
    if (!loader) {
      loader = new DataLoader<string, LicenseRow[]>(async (versionIds) => {
        const rows = await this.db
          .select({ versionId: datasetVersions.id, license: getTableColumns(licenses) })
          .from(datasetVersions)
          .innerJoin(licenses, eq(licenses.datasetId, datasetVersions.datasetId))
          .where(
            and(
              inArray(datasetVersions.id, [...versionIds]),
              eq(licenses.licenseeId, scope.organizationId),
              eq(licenses.status, 'ACTIVE'),
              or(isNull(licenses.expiresAt), gt(licenses.expiresAt, now)),
              or(isNull(licenses.versionIds), sql`${datasetVersions.id} = ANY(${licenses.versionIds})`),
            ),
          )
          .orderBy(datasetVersions.id, desc(licenses.id));
        return groupBy(versionIds, rows, (r) => r.versionId).map((list) => list.map((r) => r.license));
      });
      this.licenseLoaders.set(key, loader);
    }
    return loader;
  }
  private readonly licenseLoaders = new Map<string, DataLoader<string, LicenseRow[]>>();

  /** Newest first, keyset on the time-ordered id; `limit + 1` rows. */
  async listMixes(scope: MixScope, afterId: string | undefined, limit: number): Promise<TrainingMixRow[]> {
    const rows = await this.db
      .select()
      .from(trainingMixes)
      .where(and(eq(trainingMixes.organizationId, scope.organizationId), afterId ? lt(trainingMixes.id, afterId) : undefined))
      .orderBy(desc(trainingMixes.id))
      .limit(limit + 1);
    for (const r of rows) this.mixes.prime(r.id, r);
    return rows;
  }

  async countMixes(scope: MixScope): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(trainingMixes)
      .where(eq(trainingMixes.organizationId, scope.organizationId));
    return row!.n;
  }

  /** Inserts a mix; undefined when the organization already has a mix of that name. */
  async insertMix(row: typeof trainingMixes.$inferInsert): Promise<TrainingMixRow | undefined> {
    const [created] = await this.db.insert(trainingMixes).values(row).onConflictDoNothing().returning();
    return created;
  }

  /** Updates a mix of the scope's organization; undefined when it is not theirs (or the name is taken: see caller). */
  async updateMix(scope: MixScope, id: string, patch: Partial<typeof trainingMixes.$inferInsert>): Promise<TrainingMixRow | undefined> {
    const [row] = await this.db
      .update(trainingMixes)
      .set(patch)
      .where(and(eq(trainingMixes.id, id), eq(trainingMixes.organizationId, scope.organizationId)))
      .returning();
    this.mixes.clear(id);
    return row;
  }

  async replaceComponents(mixId: string, components: { versionId: string; rows: number }[]): Promise<void> {
    await this.db.delete(trainingMixComponents).where(eq(trainingMixComponents.mixId, mixId));
    if (components.length > 0) {
      await this.db.insert(trainingMixComponents).values(components.map((c, position) => ({ mixId, ...c, position })));
    }
    this.componentsByMixId.clear(mixId);
  }

  /** Deletes a mix of the scope's organization (its components go with it); false when there was none. */
  async deleteMix(scope: MixScope, id: string): Promise<boolean> {
    const deleted = await this.db
      .delete(trainingMixes)
      .where(and(eq(trainingMixes.id, id), eq(trainingMixes.organizationId, scope.organizationId)))
      .returning({ id: trainingMixes.id });
    this.mixes.clear(id);
    return deleted.length > 0;
  }

  /**
   * Latest published versions of PUBLISHED REAL datasets of the given modalities that share a tag with the mix or
   * match its search text, whose inherited terms allow the intended use; largest first.
   */
  async suggestionCandidates(q: SuggestionQuery): Promise<SuggestionCandidate[]> {
    const match = [
      q.tags.length > 0 ? sql`${datasets.tags} && ${textArray(q.tags)}` : undefined,
      q.search ? sql`${datasets.search} @@ websearch_to_tsquery('english', ${q.search})` : undefined,
    ].filter((m) => m !== undefined);
    const rows = await this.db
      .select({ versionId: datasetVersions.id, datasetId: datasets.id, rowCount: datasetVersions.rowCount })
      .from(datasets)
      .innerJoin(datasetVersions, eq(datasetVersions.id, datasets.latestVersionId))
      .where(
        and(
          eq(datasets.status, 'PUBLISHED'),
          eq(datasets.kind, 'REAL'),
          eq(datasetVersions.status, 'PUBLISHED'),
          q.modalities.length > 0 ? sql`${datasets.modality}::text = ANY(${textArray(q.modalities)})` : undefined,
          match.length > 0 ? or(...match) : undefined,
          q.permissions.length > 0 ? sql`${datasets.lineagePermissions} @> ${textArray(q.permissions)}` : undefined,
          q.excludeVersionIds.length > 0 ? sql`NOT (${datasetVersions.id} = ANY(${textArray(q.excludeVersionIds)}))` : undefined,
          sql`${datasetVersions.rowCount} > 0`,
        ),
      )
      .orderBy(desc(datasetVersions.rowCount), asc(datasetVersions.id))
      .limit(q.limit);
    return rows.map((r) => ({ ...r, rowCount: Number(r.rowCount) }));
  }
}
