import { and, asc, desc, eq, gt, gte, inArray, like, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { auditChainHead, auditCheckpoints, auditEvents } from '../tables/index.js';
import type { TenantScope } from '../../accounts/viewer.js';
import { tenantSql } from './tenant.js';
import { unnestInsert } from '../sql-arrays.js';
import type { DenialReason } from '../../delivery/denials.js';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;

export interface AuditQuery {
  /** Whose events the caller may read: staff every event, a member those that concern their organization. */
  scope: TenantScope;
  /** Narrows to events that concern this organization (inside the scope). */
  organizationId?: string;
  actorUserId?: string;
  datasetId?: string;
  licenseId?: string;
  /** The event's action is one of these, or starts with `actionPrefix`. */
  actions?: string[];
  actionPrefix?: string;
  from?: Date;
  to?: Date;
  beforeSeq?: number;
  limit: number;
}

/** Data access for the audit trail: append under the head lock, read, verify. */
export class AuditStore {
  constructor(private readonly db: DbOrTx) {}

  /** Locks and returns the chain head; held until the surrounding transaction ends. */
  async lockHead(): Promise<{ seq: number; hash: string }> {
    const [head] = await this.db.select().from(auditChainHead).where(eq(auditChainHead.id, 1)).for('update');
    return head!;
  }

  async head(): Promise<{ seq: number; hash: string }> {
    const [head] = await this.db.select().from(auditChainHead).where(eq(auditChainHead.id, 1));
    return head!;
  }

  async append(rows: AuditEventRow[], head: { seq: number; hash: string }): Promise<void> {
    await this.db.execute(unnestInsert(auditEvents, rows));
    await this.db.update(auditChainHead).set(head).where(eq(auditChainHead.id, 1));
  }

  private conditions(q: Omit<AuditQuery, 'limit' | 'beforeSeq'>): (SQL | undefined)[] {
    const concerns = (organizationId: string) => sql`${auditEvents.organizationIds} @> ARRAY[${organizationId}]::text[]`;
    return [
      tenantSql(q.scope, concerns),
      q.organizationId ? concerns(q.organizationId) : undefined,
      q.actorUserId ? eq(auditEvents.actorUserId, q.actorUserId) : undefined,
      q.datasetId ? eq(auditEvents.datasetId, q.datasetId) : undefined,
      q.licenseId ? eq(auditEvents.licenseId, q.licenseId) : undefined,
      q.actions || q.actionPrefix
        ? or(
            q.actions ? inArray(auditEvents.action, q.actions) : undefined,
            // `_` is a LIKE wildcard: escaped, so `api_key.` does not match `apixkey.`.
            q.actionPrefix ? like(auditEvents.action, `${q.actionPrefix.replace(/_/g, '\\_')}%`) : undefined,
          )
        : undefined,
      q.from ? gte(auditEvents.occurredAt, q.from) : undefined,
      q.to ? lt(auditEvents.occurredAt, q.to) : undefined,
    ];
  }

  /** Newest first, keyset-paged by sequence number; `limit + 1` rows. */
  async list(q: AuditQuery): Promise<AuditEventRow[]> {
    return this.db
      .select()
      .from(auditEvents)
      .where(and(...this.conditions(q), q.beforeSeq !== undefined ? lt(auditEvents.seq, q.beforeSeq) : undefined))
      .orderBy(desc(auditEvents.seq))
      .limit(q.limit + 1);
  }

  async count(q: Omit<AuditQuery, 'limit' | 'beforeSeq'>): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(and(...this.conditions(q)));
    return row!.n;
  }

  /** First and last sequence numbers of events in a time range. */
  async seqRange(from: Date | undefined, to: Date | undefined): Promise<{ first: number | null; last: number | null }> {
    const [row] = await this.db
      .select({ first: sql<number | null>`min(${auditEvents.seq})`, last: sql<number | null>`max(${auditEvents.seq})` })
      .from(auditEvents)
      .where(and(from ? gte(auditEvents.occurredAt, from) : undefined, to ? lt(auditEvents.occurredAt, to) : undefined));
    return { first: row?.first == null ? null : Number(row.first), last: row?.last == null ? null : Number(row.last) };
  }

  /** Events with `fromSeq <= seq <= toSeq`, in order. */
  async bySeq(fromSeq: number, toSeq: number, limit: number): Promise<AuditEventRow[]> {
    return this.db
      .select()
      .from(auditEvents)
      .where(and(gte(auditEvents.seq, fromSeq), lte(auditEvents.seq, toSeq)))
      .orderBy(asc(auditEvents.seq))
      .limit(limit);
  }

  async hashAt(seq: number): Promise<string | undefined> {
    const [row] = await this.db.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.seq, seq));
    return row?.hash;
  }

  async lastCheckpoint(): Promise<AuditCheckpointRow | undefined> {
    const [row] = await this.db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1);
    return row;
  }

  async insertCheckpoint(row: AuditCheckpointRow): Promise<void> {
    await this.db.insert(auditCheckpoints).values(row).onConflictDoNothing();
  }

  async checkpointsBetween(fromSeq: number, toSeq: number): Promise<AuditCheckpointRow[]> {
    return this.db
      .select()
      .from(auditCheckpoints)
      .where(and(gte(auditCheckpoints.seq, fromSeq), lte(auditCheckpoints.seq, toSeq)))
      .orderBy(asc(auditCheckpoints.seq));
  }

  /**
   * Per-license usage facts for the usage report, in five grouped statements (never one per license):
   * served totals, refusals by reason, addresses per token, repeated full downloads per file, and prior history.
   */
  async licenseUsageFacts(
    scope: TenantScope,
    q: { from: Date; to: Date; historyFrom: Date; licenseIds?: string[]; organizationId?: string },
  ) {
    // The scope's licenses (held or sold), narrowed to one organization's when staff ask for it.
    const party = (organizationId: string) =>
      sql`l.id IN (SELECT id FROM licenses WHERE licensee_id = ${organizationId} OR vendor_id = ${organizationId})`;
    const scoped = sql`AND ${tenantSql(scope, party)} ${q.organizationId ? sql`AND ${party(q.organizationId)}` : sql``}`;
    const only = q.licenseIds?.length ? sql`AND l.id IN ${q.licenseIds}` : sql``;
    const from = q.from.toISOString();
    const to = q.to.toISOString();
    const served = await this.db.execute<{
      license_id: string;
      downloads: number;
      bytes: string;
      rows: string;
      addresses: number;
      tokens: number;
    }>(sql`
      /* licenseUsageServed */
      SELECT u.license_id, count(*)::int AS downloads, sum(u.bytes)::text AS bytes, sum(u.rows)::text AS rows,
             count(DISTINCT u.client_address)::int AS addresses, count(DISTINCT u.token_id)::int AS tokens
      FROM usage_events u JOIN licenses l ON l.id = u.license_id
      WHERE u.served_at >= ${from} AND u.served_at < ${to} ${scoped} ${only}
      GROUP BY u.license_id`);
    const refused = await this.db.execute<{ license_id: string; reason: DenialReason; n: number }>(sql`
      /* licenseUsageRefused */
      SELECT d.license_id, d.reason, count(*)::int AS n
      FROM access_denials d JOIN licenses l ON l.id = d.license_id
      WHERE d.denied_at >= ${from} AND d.denied_at < ${to} ${scoped} ${only}
      GROUP BY d.license_id, d.reason`);
    const tokenAddresses = await this.db.execute<{ license_id: string; token_id: string; addresses: number }>(sql`
      /* licenseUsageTokenAddresses */
      SELECT u.license_id, u.token_id, count(DISTINCT u.client_address)::int AS addresses
      FROM usage_events u JOIN licenses l ON l.id = u.license_id
      WHERE u.served_at >= ${from} AND u.served_at < ${to} ${scoped} ${only}
      GROUP BY u.license_id, u.token_id`);
    const fileRepeats = await this.db.execute<{ license_id: string; version_id: string; file_path: string; n: number }>(sql`
      /* licenseUsageFileRepeats */
      SELECT u.license_id, u.version_id, u.file_path, count(*)::int AS n
      FROM usage_events u JOIN licenses l ON l.id = u.license_id
      WHERE u.served_at >= ${from} AND u.served_at < ${to} AND u.status = 200 AND u.rows > 0 ${scoped} ${only}
      GROUP BY u.license_id, u.version_id, u.file_path`);
    const history = await this.db.execute<{ license_id: string; bytes: string; first_at: Date | null }>(sql`
      /* licenseUsageHistory */
      SELECT u.license_id, sum(u.bytes)::text AS bytes, min(u.served_at) AS first_at
      FROM usage_events u JOIN licenses l ON l.id = u.license_id
      WHERE u.served_at >= ${q.historyFrom.toISOString()} AND u.served_at < ${from} ${scoped} ${only}
      GROUP BY u.license_id`);
    return {
      served: served.rows,
      refused: refused.rows,
      tokenAddresses: tokenAddresses.rows,
      fileRepeats: fileRepeats.rows,
      history: history.rows,
    };
  }

  /** Oldest first from `afterSeq`, for exports that stream the whole filtered trail in batches. */
  async listAscending(q: Omit<AuditQuery, 'limit' | 'beforeSeq'>, afterSeq: number, limit: number): Promise<AuditEventRow[]> {
    return this.db
      .select()
      .from(auditEvents)
      .where(and(...this.conditions(q), gt(auditEvents.seq, afterSeq)))
      .orderBy(asc(auditEvents.seq))
      .limit(limit);
  }
}
