import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { UsageEventInsert } from '../db/stores/delivery-store.js';
import { currentPeriodStart } from '../delivery/download-gate.js';
import { baseOf, unitsOf } from '../metering/windows.js';
import { usageCapCrossed } from './builders.js';
import { emitEvents } from './emit.js';
import type { NewEvent } from './types.js';

/** The share of a cap at which the licensee is warned. */
export const CAP_WARNING_SHARE = 0.8;

/**
 * After a batch of usage is inserted (in the same transaction): for each capped license it touched, the events for
 * this period's usage crossing 80% of the cap and the cap itself. Each capped license row is locked (in ID order) so that
 * concurrent writers of the same license see each other's usage and a crossing is reported once.
 */
export async function emitCapCrossings(tx: Stores, clock: Clock, batch: readonly UsageEventInsert[]): Promise<void> {
  const licenseIds = [...new Set(batch.map((e) => e.licenseId))].sort();
  const events: NewEvent[] = [];
  const rows = await tx.licensing.licenseById.loadMany(licenseIds);
  const capped = licenseIds.filter((_, i) => {
    const row = rows[i];
    return row && !(row instanceof Error) && row.usageCap != null;
  });
  for (const id of capped) {
    const license = await tx.licensing.lockLicense(id);
    if (!license || license.usageCap == null || !license.usageUnit) continue;
    const periodStart = currentPeriodStart(license.startsAt ?? license.createdAt, clock.now());
    const added = { bytes: 0, rows: 0, requests: 0 };
    for (const e of batch) {
      if (e.licenseId !== id || new Date(e.servedAt) < periodStart) continue;
      added.bytes += e.bytes;
      added.rows += e.rows;
      added.requests += 1;
    }
    if (added.requests === 0) continue;
    const total = await tx.delivery.usageSince(id, periodStart);
    const after = unitsOf(license.usageUnit, total);
    const before = unitsOf(license.usageUnit, {
      bytes: total.bytes - added.bytes,
      rows: total.rows - added.rows,
      requests: total.requests - added.requests,
    });
    const crossed = (level: number) => before.base < baseOf(license.usageUnit!, level) && after.base >= baseOf(license.usageUnit!, level);
    if (crossed(license.usageCap * CAP_WARNING_SHARE))
      events.push(usageCapCrossed(license, 'usage.cap_warning', after.quantity, periodStart));
    if (crossed(license.usageCap)) events.push(usageCapCrossed(license, 'usage.cap_reached', after.quantity, periodStart));
  }
  await emitEvents(tx, clock, events);
}
