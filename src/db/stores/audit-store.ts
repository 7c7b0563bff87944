import { and, asc, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { auditChainHead, auditCheckpoints, auditEvents } from '../tables/index.js';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;

export interface AuditQuery {
  /** Only events visible to this organization; undefined for staff (everything). */
  organizationId?: string;
  actorUserId?: string;
  datasetId?: string;
  licenseId?: string;
  action?: string;
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
    await this.db.insert(auditEvents).values(rows);
    await this.db.update(auditChainHead).set(head).where(eq(auditChainHead.id, 1));
  }

  private conditions(q: Omit<AuditQuery, 'limit' | 'beforeSeq'>): (SQL | undefined)[] {
    return [
      q.organizationId ? sql`${auditEvents.organizationIds} @> ARRAY[${q.organizationId}]::text[]` : undefined,
      q.actorUserId ? eq(auditEvents.actorUserId, q.actorUserId) : undefined,
      q.datasetId ? eq(auditEvents.datasetId, q.datasetId) : undefined,
      q.licenseId ? eq(auditEvents.licenseId, q.licenseId) : undefined,
      q.action ? eq(auditEvents.action, q.action) : undefined,
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
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(and(...this.conditions(q)));
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
}
