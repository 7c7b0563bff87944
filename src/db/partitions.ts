import type { Db } from './client.js';
import { Stores } from './stores/index.js';
import { MONTHLY_PARTITIONED } from './stores/partition-store.js';

/** Months whose partitions exist ahead of the current one, so inserts never fall into the DEFAULT partition. */
export const MONTHS_AHEAD = 3;
/** How long partition DDL waits for its table lock before giving up until the next run (traffic is not queued behind it). */
const LOCK_TIMEOUT_MS = 2000;
const DAY_MS = 86_400_000;

function monthStart(at: Date, plusMonths = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + plusMonths, 1));
}

/**
 * Creates the month partitions of every partitioned table from the current UTC month to `MONTHS_AHEAD` months on;
 * returns the names created. Each partition is its own short transaction.
 * @example await ensureMonthPartitions(db, clock.now());
 */
export async function ensureMonthPartitions(db: Db, now: Date): Promise<string[]> {
  const created: string[] = [];
  for (const t of MONTHLY_PARTITIONED) {
    for (let i = 0; i <= MONTHS_AHEAD; i++) {
      const month = monthStart(now, i);
      if (await new Stores(db).transaction((tx) => tx.partitions.ensureMonth(t, month, LOCK_TIMEOUT_MS)))
        created.push(`${t.table}_${month.toISOString().slice(0, 7).replace('-', '_')}`);
    }
  }
  return created;
}

export interface RetentionResult {
  dropped: string[];
  /** Partitions past the retention kept because they hold usage not yet billed. */
  keptUnbilled: string[];
}

/**
 * Drops whole month partitions of usage events that ended more than `retentionDays` ago, each only when all its usage
 * is rolled up and accepted by the meter; a month holding unbilled usage is kept (and reported). The check and the
 * drop run in one transaction that holds the roll-up lock and stops writes to the partition, so nothing is billed or
 * written in between. Audit events are never dropped.
 * @example await dropBilledUsagePartitions(db, clock.now(), 400);
 */
export async function dropBilledUsagePartitions(db: Db, now: Date, retentionDays: number): Promise<RetentionResult> {
  const result: RetentionResult = { dropped: [], keptUnbilled: [] };
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const expired = (await new Stores(db).partitions.monthPartitions('usage_events')).filter((p) => p.to.getTime() <= cutoff);
  for (const p of expired) {
    await new Stores(db).transaction(async (tx) => {
      // A roll-up in progress could be turning this month's events into reports: try again next run.
      if (!(await tx.metering.tryRollUpLock())) return;
      await tx.partitions.lockForDrop(p, LOCK_TIMEOUT_MS);
      if (await tx.partitions.holdsUnbilledUsage(p)) {
        result.keptUnbilled.push(p.name);
        return;
      }
      await tx.partitions.dropUsagePartition(p);
      result.dropped.push(p.name);
    });
  }
  return result;
}
