import type { Viewer } from '../accounts/viewer.js';
import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { UsageReportRow } from '../db/stores/metering-store.js';
import { currentPeriodStart, nextMonth } from '../delivery/download-gate.js';
import { BadUserInputError, NotFoundError } from '../errors.js';
import { kindOfId } from '../ids.js';
import { closedBefore, unitsOf, windowStartOf, type UsageUnit } from './windows.js';

/**
 * What this process served and has not written yet (the usage recorder): usage views add it to what is stored, so a
 * buyer reading usage right after a download sees it.
 */
export interface UnwrittenUsage {
  withoutWrites<T>(read: () => Promise<T>): Promise<T>;
  unwritten(licenseId: string): readonly { servedAt: Date; bytes: number; rows: number }[];
}

export type UsageGranularity = 'HOUR' | 'DAY';
const BUCKET_MS: Record<UsageGranularity, number> = { HOUR: 3_600_000, DAY: 86_400_000 };
/** The most points one `usage` query returns (31 days by the hour, about 5 years by the day). */
const MAX_POINTS = 744;
const MAX_WINDOW_MS = 366 * 86_400_000;

export interface UsagePoint {
  start: Date;
  end: Date;
  requests: number;
  bytes: number;
  rows: number;
  units: number | null;
}

export interface LicenseUsage {
  unit: UsageUnit;
  billingMode: 'LOCAL' | 'STRIPE';
  periodStart: Date;
  resetsAt: Date;
  used: number;
  includedUnits: number | null;
  usageCap: number | null;
  billedUnits: number;
  pendingUnits: number;
  unbillableUnits: number;
}

export type ReconciliationFlag = 'UNREPORTED' | 'PENDING' | 'FAILED' | 'TOO_OLD' | 'OVER_REPORTED' | 'INVOICE_MISMATCH';

export interface ReconciliationRow {
  licenseId: string;
  periodStart: Date;
  periodEnd: Date;
  unit: UsageUnit;
  billingMode: 'LOCAL' | 'STRIPE';
  recordedUnits: number;
  openUnits: number;
  reportedUnits: number;
  pendingUnits: number;
  failedUnits: number;
  tooOldUnits: number;
  invoicedUnits: number | null;
  invoicedSource: 'LOCAL_LEDGER' | 'NOT_AVAILABLE';
  invoicedNote: string | null;
  difference: number;
  flags: ReconciliationFlag[];
  ok: boolean;
  unsentReports: UsageReportRow[];
}

const STRIPE_INVOICED_NOTE =
  'Stripe mode: invoices are recorded as payments in minor units (License.payments), not as meter units per period; compare with the meter in the Stripe Dashboard.';

/** Two unit totals are equal up to float summation noise. */
const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Usage views: time series and the current period for parties to a license, usage by licensee for vendors, and the
 * recorded / reported / invoiced reconciliation for staff and the selling vendor.
 */
export class MeteringService {
  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    private readonly settings: { graceMs: number },
    private readonly recorder: UnwrittenUsage,
  ) {}

  /** `read` of stored usage, with this process's unwritten events of the license taken at the same instant. */
  private withUnwritten<T>(licenseId: string, read: () => Promise<T>) {
    return this.recorder.withoutWrites(async () => ({ stored: await read(), unwritten: this.recorder.unwritten(licenseId) }));
  }

  /** Usage of one license in UTC buckets over [from, to); empty buckets are included as zeros. */
  async usage(
    viewer: Viewer,
    args: { licenseId: string; from: Date; to: Date; granularity?: UsageGranularity | null },
  ): Promise<UsagePoint[]> {
    const license = await this.partyLicense(viewer, args.licenseId);
    checkWindow(args.from, args.to);
    const granularity = args.granularity ?? 'HOUR';
    const step = BUCKET_MS[granularity];
    const first = Math.floor(args.from.getTime() / step) * step;
    if ((args.to.getTime() - first) / step > MAX_POINTS) {
      throw new BadUserInputError(`to: at most ${MAX_POINTS} ${granularity.toLowerCase()}s per query`, 'to');
    }
    const { stored: buckets, unwritten } = await this.withUnwritten(license.id, () =>
      this.stores.metering.usageBuckets(license.id, args.from, args.to, granularity === 'HOUR' ? 'hour' : 'day'),
    );
    const byStart = new Map(buckets.map((b) => [b.bucketStart.getTime(), { bytes: b.bytes, rows: b.rows, requests: b.requests }]));
    for (const e of unwritten) {
      const at = e.servedAt.getTime();
      if (at < args.from.getTime() || at >= args.to.getTime()) continue;
      const start = Math.floor(at / step) * step;
      const b = byStart.get(start) ?? { bytes: 0, rows: 0, requests: 0 };
      byStart.set(start, { bytes: b.bytes + e.bytes, rows: b.rows + e.rows, requests: b.requests + 1 });
    }
    const points: UsagePoint[] = [];
    for (let t = first; t < args.to.getTime(); t += step) {
      const b = byStart.get(t) ?? { bytes: 0, rows: 0, requests: 0 };
      points.push({
        start: new Date(t),
        end: new Date(t + step),
        requests: b.requests,
        bytes: b.bytes,
        rows: b.rows,
        units: license.usageUnit ? unitsOf(license.usageUnit, b).quantity : null,
      });
    }
    return points;
  }

  /** A USAGE license's usage this period (calendar months from the license start, UTC); null for other licenses. */
  async currentUsage(license: LicenseRow): Promise<LicenseUsage | null> {
    if (license.pricingModel !== 'USAGE' || !license.usageUnit) return null;
    const now = this.clock.now();
    const anchor = license.startsAt ?? license.createdAt;
    const periodStart = currentPeriodStart(anchor, now);
    const resetsAt = nextMonth(periodStart, anchor);
    // Hourly windows count in the period their start falls in; the first period also takes the window the license started in.
    const windowsFrom = periodStart.getTime() === anchor.getTime() ? windowStartOf(anchor) : periodStart;
    const [{ stored, unwritten }, reported] = await Promise.all([
      this.withUnwritten(license.id, () => this.stores.delivery.usageSinceLoader.load({ licenseId: license.id, since: periodStart })),
      this.stores.metering.reportedLoader.load({ licenseId: license.id, from: windowsFrom, to: resetsAt }),
    ]);
    const served = { ...stored };
    for (const e of unwritten) {
      if (e.servedAt.getTime() < periodStart.getTime()) continue;
      served.bytes += e.bytes;
      served.rows += e.rows;
      served.requests += 1;
    }
    return {
      unit: license.usageUnit,
      billingMode: license.billingMode,
      periodStart,
      resetsAt,
      used: unitsOf(license.usageUnit, served).quantity,
      includedUnits: license.includedUnits,
      usageCap: license.usageCap,
      billedUnits: reported.sent,
      pendingUnits: reported.pending,
      unbillableUnits: reported.failed,
    };
  }

  /** Usage of the caller's datasets (staff: every vendor's, or `vendorId`'s) per licensee organization and dataset. */
  async vendorUsage(viewer: Viewer, args: { from: Date; to: Date; vendorId?: string | null }) {
    viewer.assertAuthenticated();
    checkWindow(args.from, args.to);
    const rows = await this.stores.metering.usageByLicensee(viewer.scope(), args.from, args.to, args.vendorId ?? undefined);
    return rows.map((r) => ({ ...r, unit: r.usageUnit, units: r.usageUnit ? unitsOf(r.usageUnit, r).quantity : null }));
  }

  /**
   * Per USAGE license and period overlapping [from, to): usage recorded vs reported to the meter vs invoiced, with flags
   * for any difference. Staff see every license; a vendor the licenses of its datasets; nobody else any. Each hourly
   * window counts in the period its start falls in (windows before the license start, in the first period).
   */
  async reconciliation(viewer: Viewer, args: { from: Date; to: Date; licenseId?: string | null }): Promise<ReconciliationRow[]> {
    viewer.assertAuthenticated();
    checkWindow(args.from, args.to);
    if (args.licenseId) {
      // Reconciliation is the seller's view: the licensee sees the license but not this.
      const license =
        kindOfId(args.licenseId) === 'license' ? await this.stores.licensing.license(viewer.scope(), args.licenseId) : undefined;
      if (!license || !viewer.canRead(license.vendorId)) throw new NotFoundError('No such license');
    }
    const now = this.clock.now();
    const closed = closedBefore(now, this.settings.graceMs).getTime();
    const ledger = await this.stores.metering.windowLedger(viewer.scope(), args.from, args.to, args.licenseId ?? undefined);
    const licenses = new Map<string, LicenseRow>();
    for (const l of await this.stores.licensing.licenseById.loadMany([...new Set(ledger.map((w) => w.licenseId))])) {
      if (l && !(l instanceof Error)) licenses.set(l.id, l);
    }
    const rows = new Map<string, ReconciliationRow>();
    for (const w of ledger) {
      const license = licenses.get(w.licenseId);
      if (!license?.usageUnit) continue;
      const anchor = license.startsAt ?? license.createdAt;
      const periodStart = currentPeriodStart(anchor, w.windowStart);
      const key = `${license.id}|${periodStart.getTime()}`;
      let row = rows.get(key);
      if (!row) {
        const local = license.billingMode === 'LOCAL';
        row = {
          licenseId: license.id,
          periodStart,
          periodEnd: nextMonth(periodStart, anchor),
          unit: license.usageUnit,
          billingMode: license.billingMode,
          recordedUnits: 0,
          openUnits: 0,
          reportedUnits: 0,
          pendingUnits: 0,
          failedUnits: 0,
          tooOldUnits: 0,
          invoicedUnits: local ? 0 : null,
          invoicedSource: local ? 'LOCAL_LEDGER' : 'NOT_AVAILABLE',
          invoicedNote: local ? null : STRIPE_INVOICED_NOTE,
          difference: 0,
          flags: [],
          ok: true,
          unsentReports: [],
        };
        rows.set(key, row);
      }
      const recorded = unitsOf(license.usageUnit, w).quantity;
      row.recordedUnits += recorded;
      if (w.windowStart.getTime() >= closed) row.openUnits += recorded;
      row.reportedUnits += w.sent;
      row.pendingUnits += w.pending;
      row.failedUnits += w.failed;
      row.tooOldUnits += w.tooOld;
      if (row.invoicedUnits !== null) row.invoicedUnits += w.localLedger;
    }
    const result = [...rows.values()].sort(
      (a, b) => a.licenseId.localeCompare(b.licenseId) || a.periodStart.getTime() - b.periodStart.getTime(),
    );
    const unsent = await this.stores.metering.unsentReports(
      [...new Set(result.filter((r) => !same(r.reportedUnits, r.recordedUnits)).map((r) => r.licenseId))],
      args.from,
      args.to,
    );
    for (const row of result) {
      const rolledUp = row.reportedUnits + row.pendingUnits + row.failedUnits + row.tooOldUnits;
      const closedRecorded = row.recordedUnits - row.openUnits;
      if (closedRecorded > rolledUp && !same(closedRecorded, rolledUp)) row.flags.push('UNREPORTED');
      if (rolledUp > row.recordedUnits && !same(rolledUp, row.recordedUnits)) row.flags.push('OVER_REPORTED');
      if (!same(row.pendingUnits, 0)) row.flags.push('PENDING');
      if (!same(row.failedUnits, 0)) row.flags.push('FAILED');
      if (!same(row.tooOldUnits, 0)) row.flags.push('TOO_OLD');
      if (row.invoicedUnits !== null && !same(row.invoicedUnits, row.reportedUnits)) row.flags.push('INVOICE_MISMATCH');
      row.difference = row.recordedUnits - row.reportedUnits;
      row.ok = row.flags.length === 0;
      const license = licenses.get(row.licenseId)!;
      const anchor = license.startsAt ?? license.createdAt;
      row.unsentReports = unsent.filter(
        (r) => r.licenseId === row.licenseId && currentPeriodStart(anchor, r.windowStart).getTime() === row.periodStart.getTime(),
      );
    }
    return result;
  }

  /** The license if the caller is a member of its licensee or its vendor, or staff; NOT_FOUND otherwise. */
  private async partyLicense(viewer: Viewer, licenseId: string): Promise<LicenseRow> {
    viewer.assertAuthenticated();
    const license = kindOfId(licenseId) === 'license' ? await this.stores.licensing.license(viewer.scope(), licenseId) : undefined;
    if (!license) throw new NotFoundError('No such license');
    return license;
  }
}

function checkWindow(from: Date, to: Date): void {
  if (to.getTime() <= from.getTime()) throw new BadUserInputError('to: must be after from', 'to');
  if (to.getTime() - from.getTime() > MAX_WINDOW_MS) throw new BadUserInputError('to: the window is at most 366 days', 'to');
}
