import { meterEventName } from '../billing/create-usage-subscription.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import type { UsageReportInsert } from '../db/stores/metering-store.js';
import { beyondBackdateLimit, closedBefore, reportIdentifier, unitsOf, WINDOW_MS } from './windows.js';

export interface RollUpResult {
  /** False when another process was rolling up at the same moment (it covers the same windows). */
  ran: boolean;
  windows: number;
  reports: number;
}

/**
 * Turns closed hourly windows of USAGE licenses into outbox reports, in one transaction: a window seen for the first time
 * becomes report 1; a window whose usage grew since (events written after it was rolled up) becomes one more report
 * carrying only the difference. Usage that adds no units (e.g. 304 responses under a GIGABYTE offer) is absorbed into
 * the window without a report.
 * @example await rollUp(db, clock.now(), { graceMs: 300_000, lookbackDays: 40 });
 */
export async function rollUp(db: Db, now: Date, settings: { graceMs: number; lookbackDays: number }): Promise<RollUpResult> {
  return new Stores(db).transaction(async (tx) => {
    if (!(await tx.metering.tryRollUpLock())) return { ran: false, windows: 0, reports: 0 };
    const since = new Date(now.getTime() - settings.lookbackDays * 86_400_000);
    const candidates = await tx.metering.rollUpCandidates(since, closedBefore(now, settings.graceMs));
    const windows = [];
    const reports: UsageReportInsert[] = [];
    for (const c of candidates) {
      const delta = { bytes: c.bytes - c.rolledBytes, rows: c.rows - c.rolledRows, requests: c.requests - c.rolledRequests };
      const units = unitsOf(c.usageUnit, delta);
      const report = units.quantity > 0;
      const sequence = report ? c.sequence + 1 : c.sequence;
      windows.push({
        licenseId: c.licenseId,
        windowStart: c.windowStart,
        bytes: c.bytes,
        rows: c.rows,
        requests: c.requests,
        sequence,
        updatedAt: now,
      });
      if (!report) continue;
      const tooOld = c.billingMode === 'STRIPE' && beyondBackdateLimit(c.windowStart, now);
      reports.push({
        identifier: reportIdentifier(c.licenseId, c.windowStart, sequence),
        licenseId: c.licenseId,
        offerId: c.offerId,
        windowStart: c.windowStart,
        windowEnd: new Date(c.windowStart.getTime() + WINDOW_MS),
        sequence,
        billingMode: c.billingMode,
        eventName: meterEventName(c.offerId),
        usageUnit: c.usageUnit,
        quantity: units.quantity,
        value: units.value,
        ...delta,
        status: tooOld ? 'TOO_OLD' : 'PENDING',
        attempts: 0,
        nextAttemptAt: now,
        lastError: tooOld ? 'The window is older than Stripe accepts meter events for (35 days)' : null,
        createdAt: now,
      });
    }
    await tx.metering.saveRollUp(windows, reports);
    return { ran: true, windows: windows.length, reports: reports.length };
  });
}
