import DataLoader from 'dataloader';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import type { TenantScope } from '../../accounts/viewer.js';
import { tenantSql } from './tenant.js';
import { textArray, timestampArray } from '../sql-arrays.js';
import { licenses, localMeterEvents, usageReports, usageWindows } from '../tables/index.js';

/** A vendor's part of the metering data: the licenses it sold. */
const soldBy = (organizationId: string) => sql`l.vendor_id = ${organizationId}`;

export type UsageReportRow = typeof usageReports.$inferSelect;
export type UsageReportInsert = typeof usageReports.$inferInsert;
export type UsageReportStatus = UsageReportRow['status'];
export type LocalMeterEventInsert = typeof localMeterEvents.$inferInsert;

/** One license's usage in one closed window, beside what was already rolled up for it. */
export interface RollUpCandidate {
  licenseId: string;
  offerId: string;
  licenseeId: string;
  usageUnit: 'GIGABYTE' | 'THOUSAND_ROWS' | 'REQUEST';
  billingMode: 'LOCAL' | 'STRIPE';
  windowStart: Date;
  bytes: number;
  rows: number;
  requests: number;
  rolledBytes: number;
  rolledRows: number;
  rolledRequests: number;
  sequence: number;
}

/** A due report claimed for sending, with what the sender needs from its license. */
export interface ClaimedReport extends UsageReportRow {
  stripeCustomerId: string | null;
  licenseeId: string;
}

export interface UsageBucket {
  bucketStart: Date;
  bytes: number;
  rows: number;
  requests: number;
}

/** Per license and hourly window: usage recorded, and report quantities by status, plus the local ledger. */
export interface WindowLedger {
  licenseId: string;
  windowStart: Date;
  bytes: number;
  rows: number;
  requests: number;
  sent: number;
  pending: number;
  failed: number;
  tooOld: number;
  localLedger: number;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const num = (v: unknown) => Number(v ?? 0);

/** Data access for the usage roll-up, the meter outbox and the local meter ledger. */
export class MeteringStore {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Serializes roll-ups across processes for the rest of the transaction; false when another process holds it (the
   * caller skips this pass: the holder rolls up the same windows).
   */
  async tryRollUpLock(): Promise<boolean> {
    const res = await this.db.execute<{ locked: boolean }>(
      sql`/* meteringRollUpLock */ SELECT pg_try_advisory_xact_lock(hashtext('assay.metering.rollup')) AS locked`,
    );
    return res.rows[0]!.locked;
  }

  /**
   * Closed windows of USAGE licenses whose served usage differs from what was rolled up: new windows, and windows
   * that received late events.
   */
  async rollUpCandidates(since: Date, before: Date): Promise<RollUpCandidate[]> {
    const res = await this.db.execute<Record<string, unknown>>(sql`/* meteringRollUpCandidates */
      WITH served AS (
        SELECT e.license_id, date_trunc('hour', e.served_at, 'UTC') AS window_start,
               sum(e.bytes)::bigint AS bytes, sum(e.rows)::bigint AS rows, count(*)::bigint AS requests
        FROM usage_events e
        WHERE e.served_at >= ${ts(since)} AND e.served_at < ${ts(before)}
          AND e.license_id IN (SELECT id FROM licenses WHERE pricing_model = 'USAGE')
        GROUP BY 1, 2
      )
      SELECT s.license_id, l.offer_id, l.licensee_id, l.usage_unit, l.billing_mode, s.window_start, s.bytes, s.rows, s.requests,
             coalesce(w.bytes, 0) AS rolled_bytes, coalesce(w.rows, 0) AS rolled_rows, coalesce(w.requests, 0) AS rolled_requests,
             coalesce(w.sequence, 0) AS sequence
      FROM served s
      JOIN licenses l ON l.id = s.license_id
      LEFT JOIN usage_windows w ON w.license_id = s.license_id AND w.window_start = s.window_start
      WHERE w.license_id IS NULL OR w.bytes <> s.bytes OR w.rows <> s.rows OR w.requests <> s.requests
      ORDER BY s.window_start, s.license_id`);
    return res.rows.map((r) => ({
      licenseId: r.license_id as string,
      offerId: r.offer_id as string,
      licenseeId: r.licensee_id as string,
      usageUnit: r.usage_unit as RollUpCandidate['usageUnit'],
      billingMode: r.billing_mode as RollUpCandidate['billingMode'],
      windowStart: new Date(r.window_start as string),
      bytes: num(r.bytes),
      rows: num(r.rows),
      requests: num(r.requests),
      rolledBytes: num(r.rolled_bytes),
      rolledRows: num(r.rolled_rows),
      rolledRequests: num(r.rolled_requests),
      sequence: num(r.sequence),
    }));
  }

  /** Records the new rolled-up totals of windows and their reports, in the caller's transaction. */
  async saveRollUp(windows: (typeof usageWindows.$inferInsert)[], reports: UsageReportInsert[]): Promise<void> {
    for (let i = 0; i < windows.length; i += 1000) {
      await this.db
        .insert(usageWindows)
        .values(windows.slice(i, i + 1000))
        .onConflictDoUpdate({
          target: [usageWindows.licenseId, usageWindows.windowStart],
          set: {
            bytes: sql`excluded.bytes`,
            rows: sql`excluded.rows`,
            requests: sql`excluded.requests`,
            sequence: sql`excluded.sequence`,
            updatedAt: sql`excluded.updated_at`,
          },
        });
    }
    for (let i = 0; i < reports.length; i += 1000) await this.db.insert(usageReports).values(reports.slice(i, i + 1000));
  }

  /**
   * Claims due reports until `leaseUntil`, in one statement: their `next_attempt_at` moves to the lease's end, so no
   * other sender takes them meanwhile (rows being claimed by another are skipped, never waited for), no transaction
   * stays open while they are sent, and reports of a sender that died are due again once its lease is over.
   */
  async claimDueReports(now: Date, limit: number, leaseUntil: Date): Promise<ClaimedReport[]> {
    const due = this.db
      .select({ identifier: usageReports.identifier })
      .from(usageReports)
      .where(and(eq(usageReports.status, 'PENDING'), sql`${usageReports.nextAttemptAt} <= ${ts(now)}`))
      .orderBy(usageReports.nextAttemptAt, usageReports.identifier)
      .limit(limit)
      .for('update', { skipLocked: true });
    const claimed = await this.db
      .update(usageReports)
      .set({ nextAttemptAt: leaseUntil })
      .where(inArray(usageReports.identifier, due))
      .returning();
    if (claimed.length === 0) return [];
    const parties = await this.db
      .select({ id: licenses.id, stripeCustomerId: licenses.stripeCustomerId, licenseeId: licenses.licenseeId })
      .from(licenses)
      .where(inArray(licenses.id, [...new Set(claimed.map((r) => r.licenseId))]));
    const byId = new Map(parties.map((p) => [p.id, p]));
    return claimed
      .map((r) => ({ ...r, stripeCustomerId: byId.get(r.licenseId)!.stripeCustomerId, licenseeId: byId.get(r.licenseId)!.licenseeId }))
      .sort((a, b) => a.identifier.localeCompare(b.identifier));
  }

  /** Records the outcome of sending a report; a report another sender already settled (SENT, FAILED) stays as it is. */
  async updateReport(
    identifier: string,
    patch: Partial<Pick<UsageReportRow, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>>,
  ): Promise<void> {
    await this.db
      .update(usageReports)
      .set(patch)
      .where(and(eq(usageReports.identifier, identifier), eq(usageReports.status, 'PENDING')));
  }

  /** Records a meter event in the local ledger; the same identifier twice counts once. */
  async recordLocalMeterEvent(row: LocalMeterEventInsert): Promise<void> {
    await this.db.insert(localMeterEvents).values(row).onConflictDoNothing();
  }

  /** Unsent reports: how many and when the oldest was created (for the outbox-lag gauge). */
  async outboxLag(): Promise<{ unsent: number; oldestCreatedAt: Date | null; failed: number; tooOld: number }> {
    const res = await this.db.execute<Record<string, unknown>>(sql`/* meteringOutboxLag */
      SELECT count(*) FILTER (WHERE status = 'PENDING') AS unsent,
             min(created_at) FILTER (WHERE status = 'PENDING') AS oldest,
             count(*) FILTER (WHERE status = 'FAILED') AS failed,
             count(*) FILTER (WHERE status = 'TOO_OLD') AS too_old
      FROM usage_reports WHERE status <> 'SENT'`);
    const r = res.rows[0]!;
    return {
      unsent: num(r.unsent),
      oldestCreatedAt: r.oldest ? new Date(r.oldest as string) : null,
      failed: num(r.failed),
      tooOld: num(r.too_old),
    };
  }

  /** Served usage of one license in UTC buckets of an hour or a day, over [from, to). */
  async usageBuckets(licenseId: string, from: Date, to: Date, bucket: 'hour' | 'day'): Promise<UsageBucket[]> {
    const res = await this.db.execute<Record<string, unknown>>(sql`/* meteringUsageBuckets */
      SELECT date_trunc(${bucket}, served_at, 'UTC') AS bucket_start, sum(bytes)::bigint AS bytes, sum(rows)::bigint AS rows, count(*) AS requests
      FROM usage_events
      WHERE license_id = ${licenseId} AND served_at >= ${ts(from)} AND served_at < ${ts(to)}
      GROUP BY 1 ORDER BY 1`);
    return res.rows.map((r) => ({
      bucketStart: new Date(r.bucket_start as string),
      bytes: num(r.bytes),
      rows: num(r.rows),
      requests: num(r.requests),
    }));
  }

  /** `reportedSince` for many licenses in one statement (a page of licenses is not N+1). */
  readonly reportedLoader = new DataLoader<
    { licenseId: string; from: Date; to: Date },
    { sent: number; pending: number; failed: number },
    string
  >(
    async (keys) => {
      const res = await this.db.execute<Record<string, unknown>>(sql`/* meteringReportedBatch */
        SELECT k.i,
               coalesce(sum(r.quantity) FILTER (WHERE r.status = 'SENT'), 0) AS sent,
               coalesce(sum(r.quantity) FILTER (WHERE r.status = 'PENDING'), 0) AS pending,
               coalesce(sum(r.quantity) FILTER (WHERE r.status IN ('FAILED', 'TOO_OLD')), 0) AS failed
        FROM unnest(${textArray(keys.map((k) => k.licenseId))}, ${timestampArray(keys.map((k) => k.from))}, ${timestampArray(keys.map((k) => k.to))})
          WITH ORDINALITY AS k(license_id, from_at, to_at, i)
        LEFT JOIN usage_reports r ON r.license_id = k.license_id AND r.window_start >= k.from_at AND r.window_start < k.to_at
        GROUP BY k.i`);
      const byIndex = new Map(res.rows.map((r) => [Number(r.i), { sent: num(r.sent), pending: num(r.pending), failed: num(r.failed) }]));
      return keys.map((_, i) => byIndex.get(i + 1)!);
    },
    { cacheKeyFn: (k) => `${k.licenseId}|${k.from.toISOString()}|${k.to.toISOString()}` },
  );

  /** Report quantities of one license for windows starting in [from, to), by status. */
  async reportedSince(licenseId: string, from: Date, to: Date): Promise<{ sent: number; pending: number; failed: number }> {
    const res = await this.db.execute<Record<string, unknown>>(sql`/* meteringReportedSince */
      SELECT coalesce(sum(quantity) FILTER (WHERE status = 'SENT'), 0) AS sent,
             coalesce(sum(quantity) FILTER (WHERE status = 'PENDING'), 0) AS pending,
             coalesce(sum(quantity) FILTER (WHERE status IN ('FAILED', 'TOO_OLD')), 0) AS failed
      FROM usage_reports WHERE license_id = ${licenseId} AND window_start >= ${ts(from)} AND window_start < ${ts(to)}`);
    const r = res.rows[0]!;
    return { sent: num(r.sent), pending: num(r.pending), failed: num(r.failed) };
  }

  /**
   * Vendor view: usage in [from, to) of licenses the scope sold (narrowed to `vendorId`'s when given), per licensee
   * organization, dataset and unit.
   */
  async usageByLicensee(scope: TenantScope, from: Date, to: Date, vendorId: string | undefined) {
    const res = await this.db.execute<Record<string, unknown>>(sql`/* meteringUsageByLicensee */
      SELECT l.licensee_id, l.dataset_id, l.usage_unit, count(DISTINCT l.id) AS licenses,
             count(*) AS requests, sum(e.bytes)::bigint AS bytes, sum(e.rows)::bigint AS rows
      FROM usage_events e JOIN licenses l ON l.id = e.license_id
      WHERE e.served_at >= ${ts(from)} AND e.served_at < ${ts(to)} AND ${tenantSql(scope, soldBy)}
        ${vendorId ? sql`AND ${soldBy(vendorId)}` : sql``}
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
    return res.rows.map((r) => ({
      licenseeId: r.licensee_id as string,
      datasetId: r.dataset_id as string,
      usageUnit: (r.usage_unit as 'GIGABYTE' | 'THOUSAND_ROWS' | 'REQUEST' | null) ?? null,
      licenses: num(r.licenses),
      requests: num(r.requests),
      bytes: num(r.bytes),
      rows: num(r.rows),
    }));
  }

  /**
   * Per USAGE license the scope sold (or one of them) and hourly window starting in [from, to): usage recorded, report
   * quantities by status and what the local ledger holds.
   */
  async windowLedger(scope: TenantScope, from: Date, to: Date, licenseId: string | undefined): Promise<WindowLedger[]> {
    const licenseFilter = sql`l.pricing_model = 'USAGE' AND ${tenantSql(scope, soldBy)} ${licenseId ? sql`AND l.id = ${licenseId}` : sql``}`;
    const res = await this.db.execute<Record<string, unknown>>(sql`/* meteringWindowLedger */
      WITH scoped AS (SELECT l.id FROM licenses l WHERE ${licenseFilter}),
      served AS (
        SELECT license_id, date_trunc('hour', served_at, 'UTC') AS window_start, sum(bytes)::bigint AS bytes, sum(rows)::bigint AS rows, count(*) AS requests
        FROM usage_events WHERE license_id IN (SELECT id FROM scoped) AND served_at >= ${ts(from)} AND served_at < ${ts(to)}
        GROUP BY 1, 2
      ),
      reported AS (
        SELECT license_id, window_start,
               sum(quantity) FILTER (WHERE status = 'SENT') AS sent, sum(quantity) FILTER (WHERE status = 'PENDING') AS pending,
               sum(quantity) FILTER (WHERE status = 'FAILED') AS failed, sum(quantity) FILTER (WHERE status = 'TOO_OLD') AS too_old
        FROM usage_reports WHERE license_id IN (SELECT id FROM scoped) AND window_start >= ${ts(from)} AND window_start < ${ts(to)}
        GROUP BY 1, 2
      ),
      ledger AS (
        SELECT license_id, event_at AS window_start, sum(quantity) AS quantity
        FROM local_meter_events WHERE license_id IN (SELECT id FROM scoped) AND event_at >= ${ts(from)} AND event_at < ${ts(to)}
        GROUP BY 1, 2
      ),
      keys AS (SELECT license_id, window_start FROM served UNION SELECT license_id, window_start FROM reported UNION SELECT license_id, window_start FROM ledger)
      SELECT k.license_id, k.window_start, s.bytes, s.rows, s.requests, r.sent, r.pending, r.failed, r.too_old, g.quantity AS local_ledger
      FROM keys k
      LEFT JOIN served s USING (license_id, window_start)
      LEFT JOIN reported r USING (license_id, window_start)
      LEFT JOIN ledger g USING (license_id, window_start)
      ORDER BY 1, 2`);
    return res.rows.map((r) => ({
      licenseId: r.license_id as string,
      windowStart: new Date(r.window_start as string),
      bytes: num(r.bytes),
      rows: num(r.rows),
      requests: num(r.requests),
      sent: num(r.sent),
      pending: num(r.pending),
      failed: num(r.failed),
      tooOld: num(r.too_old),
      localLedger: num(r.local_ledger),
    }));
  }

  /** Reports not (yet) accepted by the meter for some licenses in [from, to), oldest window first. */
  async unsentReports(licenseIds: string[], from: Date, to: Date): Promise<UsageReportRow[]> {
    if (licenseIds.length === 0) return [];
    return this.db
      .select()
      .from(usageReports)
      .where(
        and(
          sql`${usageReports.licenseId} IN ${licenseIds}`,
          sql`${usageReports.status} <> 'SENT'`,
          sql`${usageReports.windowStart} >= ${ts(from)}`,
          sql`${usageReports.windowStart} < ${ts(to)}`,
        ),
      )
      .orderBy(usageReports.windowStart, usageReports.sequence)
      .limit(1000);
  }
}
