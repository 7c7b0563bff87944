import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { openLineageEvents } from '../tables/index.js';

export type OpenLineageEventRow = typeof openLineageEvents.$inferSelect;

/** Where a stream continues: after this row of the (transaction, sequence) order. */
export interface OpenLineagePosition {
  txId: string;
  seq: number;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The OpenLineage event log and its push outbox. */
export class OpenLineageStore {
  constructor(private readonly db: DbOrTx) {}

  async insert(
    row: Pick<OpenLineageEventRow, 'runId' | 'vendorId' | 'versionId' | 'event' | 'createdAt' | 'nextAttemptAt'>,
  ): Promise<void> {
    await this.db.insert(openLineageEvents).values(row);
  }

  /**
   * Events oldest first after `after`, of one vendor (or all, for staff). Only transactions older than every one still
   * running are listed, so a transaction that commits later can never add a row before a cursor already handed out.
   */
  async list(vendorId: string | undefined, after: OpenLineagePosition | undefined, limit: number): Promise<OpenLineageEventRow[]> {
    return this.db
      .select()
      .from(openLineageEvents)
      .where(
        and(
          vendorId ? eq(openLineageEvents.vendorId, vendorId) : undefined,
          sql`${openLineageEvents.txId} < pg_snapshot_xmin(pg_current_snapshot())`,
          after ? sql`(${openLineageEvents.txId}, ${openLineageEvents.seq}) > (${after.txId}::xid8, ${after.seq})` : undefined,
        ),
      )
      .orderBy(openLineageEvents.txId, openLineageEvents.seq)
      .limit(limit);
  }

  /** Leases up to `limit` due events (committed on its own, before any request goes out). */
  async claimDue(now: Date, leaseUntil: Date, token: string, limit: number): Promise<OpenLineageEventRow[]> {
    const res = await this.db.execute<{ run_id: string }>(sql`/* claimDueOpenLineageEvents */
      UPDATE openlineage_events e SET lease_until = ${ts(leaseUntil)}, lease_token = ${token}
      WHERE e.run_id IN (
        SELECT e2.run_id FROM openlineage_events e2
        WHERE e2.delivery = 'PENDING' AND e2.next_attempt_at <= ${ts(now)}
          AND (e2.lease_until IS NULL OR e2.lease_until <= ${ts(now)})
        ORDER BY e2.tx_id, e2.seq
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING e.run_id`);
    if (res.rows.length === 0) return [];
    const claimed = new Set(res.rows.map((r) => r.run_id));
    const rows = await this.db
      .select()
      .from(openLineageEvents)
      .where(and(eq(openLineageEvents.leaseToken, token), eq(openLineageEvents.delivery, 'PENDING')))
      .orderBy(openLineageEvents.txId, openLineageEvents.seq);
    return rows.filter((r) => claimed.has(r.runId));
  }

  /** Records an attempt's result, only while `token` still holds the lease; false when it no longer does. */
  async recordAttempt(runId: string, token: string, patch: Partial<OpenLineageEventRow>): Promise<boolean> {
    const rows = await this.db
      .update(openLineageEvents)
      .set({ ...patch, leaseUntil: null, leaseToken: null })
      .where(and(eq(openLineageEvents.runId, runId), eq(openLineageEvents.leaseToken, token), eq(openLineageEvents.delivery, 'PENDING')))
      .returning({ runId: openLineageEvents.runId });
    return rows.length > 0;
  }

  /** Events still to be pushed, and the oldest one's creation (for the outbox gauges). */
  async outboxLag(): Promise<{ pending: number; oldestCreatedAt: Date | null }> {
    const res = await this.db.execute<{ pending: string; oldest: string | null }>(sql`/* openLineageOutboxLag */
      SELECT count(*) AS pending, min(created_at) AS oldest FROM openlineage_events WHERE delivery = 'PENDING'`);
    const row = res.rows[0]!;
    return { pending: Number(row.pending), oldestCreatedAt: row.oldest ? new Date(row.oldest) : null };
  }
}
