import DataLoader from 'dataloader';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { groupBy } from './batch.js';
import { textArray, timestampArray, unnestInsert } from '../sql-arrays.js';
import { accessDenials, accessTokens, datasets, datasetVersions, licenses, storedBlobs, uploads, usageEvents } from '../tables/index.js';
import type { DatasetRow } from './catalog-store.js';
import type { LicenseRow } from './licensing-store.js';
import type { AccessTokenRow } from './tokens-store.js';

export type UploadRow = typeof uploads.$inferSelect;
export type StoredBlobRow = typeof storedBlobs.$inferSelect;
export type UsageEventInsert = typeof usageEvents.$inferInsert;
export type AccessDenialInsert = typeof accessDenials.$inferInsert;

/** What the download gate checks a presented token against (each undefined when there is no such row). */
export interface TokenState {
  token: TokenCheckRow | undefined;
  /** The license the token claims, and its dataset, when asked for. */
  license?: LicenseRow | undefined;
  dataset?: DatasetStatus | undefined;
}
/** What the gate needs of a token row: whose it is and whether it was revoked. */
export type TokenCheckRow = Pick<AccessTokenRow, 'id' | 'licenseId' | 'revokedAt'>;
export type DatasetStatus = Pick<DatasetRow, 'id' | 'status'>;
const tokenCheckColumns = { id: accessTokens.id, licenseId: accessTokens.licenseId, revokedAt: accessTokens.revokedAt };

/** Data access for uploads and stored bytes. */
export class DeliveryStore {
  constructor(private readonly db: DbOrTx) {}

  /** The blobs stored for each version, keyed by SHA-256. */
  readonly blobsByVersionId = new DataLoader<string, Map<string, StoredBlobRow>>(async (ids) => {
    const rows = await this.db
      .select()
      .from(storedBlobs)
      .where(inArray(storedBlobs.versionId, [...ids]));
    return groupBy(ids, rows, (r) => r.versionId).map((blobs) => new Map(blobs.map((r) => [r.sha256, r])));
  });

  /**
   * For each presented token (its `jti` and the license it claims), in one statement: the token's row and, `withLicense`,
   * the claimed license's and that license's dataset status, in the order of `keys`. Built once per store and named,
   * so a long-lived store (the download gate's) sends it without building it again, and PostgreSQL plans it once per
   * connection.
   */
  async tokenStates(keys: readonly { tokenId: string; licenseId: string }[], withLicense: boolean): Promise<TokenState[]> {
    const tokenIds = keys.map((k) => k.tokenId);
    // Each license is read once (on the first of its keys): many tokens of a batch share one.
    const seen = new Set<string>();
    const licenseIds = keys.map((k) => (seen.has(k.licenseId) ? null : (seen.add(k.licenseId), k.licenseId)));
    const rows = withLicense
      ? await (this.tokenStatesQuery ??= this.prepareTokenStates()).execute({ tokenIds, licenseIds })
      : await (this.tokenRowsQuery ??= this.prepareTokenRows()).execute({ tokenIds });
    type Row = { i: number; token: TokenCheckRow | null; license?: LicenseRow | null; dataset?: DatasetStatus | null };
    const byIndex = new Map((rows as Row[]).map((r) => [r.i, r]));
    const licensed = new Map((rows as Row[]).flatMap((r) => (r.license ? [[r.license.id, r] as const] : [])));
    return keys.map((k, i) => {
      const token = byIndex.get(i + 1)?.token ?? undefined;
      if (!withLicense) return { token };
      const row = licensed.get(k.licenseId);
      return { token, license: row?.license ?? undefined, dataset: row?.dataset ?? undefined };
    });
  }

  private tokenStatesQuery: ReturnType<DeliveryStore['prepareTokenStates']> | undefined;
  private tokenRowsQuery: ReturnType<DeliveryStore['prepareTokenRows']> | undefined;

  private prepareTokenStates() {
    return this.db
      .select({
        i: sql<number>`k.i`.mapWith(Number),
        token: tokenCheckColumns,
        license: licenses,
        dataset: { id: datasets.id, status: datasets.status },
      })
      .from(
        sql`unnest(${sql.placeholder('tokenIds')}::text[], ${sql.placeholder('licenseIds')}::text[]) WITH ORDINALITY AS k(token_id, license_id, i)`,
      )
      .leftJoin(accessTokens, sql`${accessTokens.id} = k.token_id`)
      .leftJoin(licenses, sql`${licenses.id} = k.license_id`)
      .leftJoin(datasets, eq(datasets.id, licenses.datasetId))
      .prepare('download_gate_token_states');
  }

  private prepareTokenRows() {
    return this.db
      .select({ i: sql<number>`k.i`.mapWith(Number), token: tokenCheckColumns })
      .from(sql`unnest(${sql.placeholder('tokenIds')}::text[]) WITH ORDINALITY AS k(token_id, i)`)
      .innerJoin(accessTokens, sql`${accessTokens.id} = k.token_id`)
      .prepare('download_gate_token_rows');
  }

  async insertUpload(row: typeof uploads.$inferInsert): Promise<UploadRow> {
    const [created] = await this.db.insert(uploads).values(row).returning();
    return created!;
  }

  async uploadById(id: string): Promise<UploadRow | undefined> {
    const [row] = await this.db.select().from(uploads).where(eq(uploads.id, id)).limit(1);
    return row;
  }

  /** Records stored bytes; storing the same content twice is a no-op. */
  /** Bytes stored for every version of a vendor's datasets (what its storage quota counts). */
  async storedBytesOfVendor(vendorId: string): Promise<bigint> {
    const { rows } = await this.db.execute<{ bytes: string }>(sql`
      /* storedBytesOfVendor */
      SELECT coalesce(sum(b.byte_size), 0)::text AS bytes
      FROM ${storedBlobs} b JOIN ${datasetVersions} v ON v.id = b.version_id JOIN ${datasets} d ON d.id = v.dataset_id
      WHERE d.vendor_id = ${vendorId}`);
    return BigInt(rows[0]!.bytes);
  }

  async recordBlob(row: typeof storedBlobs.$inferInsert): Promise<void> {
    await this.db.insert(storedBlobs).values(row).onConflictDoNothing();
  }

  async completeUpload(id: string, now: Date): Promise<void> {
    await this.db
      .update(uploads)
      .set({ completedAt: sql`coalesce(${uploads.completedAt}, ${now.toISOString()}::timestamptz)` })
      .where(and(eq(uploads.id, id)));
  }

  /** Writes a batch of usage events and denials in one transaction-sized statement each. */
  /** Returns the IDs inserted now: a retried batch skips rows an earlier attempt did write after all. */
  async insertUsage(events: UsageEventInsert[], denials: AccessDenialInsert[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (events.length > 0) {
      const res = await this.db.execute<{ id: string }>(sql`${unnestInsert(usageEvents, events)} ON CONFLICT DO NOTHING RETURNING id`);
      for (const r of res.rows) inserted.add(r.id);
    }
    if (denials.length > 0) {
      const res = await this.db.execute<{ id: string }>(sql`${unnestInsert(accessDenials, denials)} ON CONFLICT DO NOTHING RETURNING id`);
      for (const r of res.rows) inserted.add(r.id);
    }
    return inserted;
  }

  /** Totals served under a license since `since`: bytes, rows and responses. */
  /** `usageSince` for many licenses (each with its own period start) in one statement: a page of licenses is not N+1. */
  readonly usageSinceLoader = new DataLoader<{ licenseId: string; since: Date }, { bytes: number; rows: number; requests: number }, string>(
    async (keys) => {
      const res = await this.db.execute<{ i: number; bytes: number; rows: number; requests: number }>(sql`/* usageSinceBatch */
        SELECT k.i, coalesce(sum(u.bytes), 0)::float8 AS bytes, coalesce(sum(u.rows), 0)::float8 AS rows, count(u.id)::float8 AS requests
        FROM unnest(${textArray(keys.map((k) => k.licenseId))}, ${timestampArray(keys.map((k) => k.since))})
          WITH ORDINALITY AS k(license_id, since, i)
        LEFT JOIN usage_events u ON u.license_id = k.license_id AND u.served_at >= k.since
        GROUP BY k.i`);
      const byIndex = new Map(
        res.rows.map((r) => [Number(r.i), { bytes: Number(r.bytes), rows: Number(r.rows), requests: Number(r.requests) }]),
      );
      return keys.map((_, i) => byIndex.get(i + 1)!);
    },
    { cacheKeyFn: (k) => `${k.licenseId}|${k.since.toISOString()}` },
  );

  async usageSince(licenseId: string, since: Date): Promise<{ bytes: number; rows: number; requests: number }> {
    const [row] = await this.db
      .select({
        bytes: sql<number>`coalesce(sum(${usageEvents.bytes}), 0)::float8`,
        rows: sql<number>`coalesce(sum(${usageEvents.rows}), 0)::float8`,
        requests: sql<number>`count(*)::float8`,
      })
      .from(usageEvents)
      .where(and(eq(usageEvents.licenseId, licenseId), sql`${usageEvents.servedAt} >= ${since.toISOString()}::timestamptz`));
    return row!;
  }
}
