import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';

/** The tables partitioned by UTC month (migration partition_by_month) and the timestamp each is partitioned on. */
export const MONTHLY_PARTITIONED = [
  { table: 'usage_events', key: 'served_at' },
  { table: 'audit_events', key: 'occurred_at' },
  { table: 'usage_reports', key: 'window_start' },
] as const;

export type PartitionedTable = (typeof MONTHLY_PARTITIONED)[number];

/** One month partition and its range [from, to). */
export interface MonthPartition {
  name: string;
  from: Date;
  to: Date;
}

/** DDL and checks for the monthly partitions: creating them ahead, and dropping billed months of usage events. */
export class PartitionStore {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Creates the partition of `t` for the month holding `month` unless it exists (moving rows the DEFAULT partition
   * holds for that month into it); true when created. Waits at most `lockTimeoutMs` for the table's lock, so busy
   * traffic is never queued behind it (the next run tries again).
   */
  async ensureMonth(t: PartitionedTable, month: Date, lockTimeoutMs: number): Promise<boolean> {
    await this.db.execute(sql`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`);
    const res = await this.db.execute<{ created: boolean }>(
      sql`/* ensureMonthPartition */ SELECT assay_ensure_month_partition(${t.table}, ${t.key}, ${month.toISOString()}::timestamptz) AS created`,
    );
    return res.rows[0]!.created;
  }

  /** The month partitions of `table` (not its DEFAULT one), oldest first. */
  async monthPartitions(table: string): Promise<MonthPartition[]> {
    const res = await this.db.execute<{ name: string; from_at: string; to_at: string }>(sql`/* monthPartitions */
      SELECT c.relname AS name, b.m[1] AS from_at, b.m[2] AS to_at
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
           regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)') AS b(m)
      WHERE i.inhparent = to_regclass(${table}) AND b.m IS NOT NULL
      ORDER BY 2`);
    return res.rows.map((r) => ({ name: r.name, from: new Date(r.from_at), to: new Date(r.to_at) }));
  }

  /**
   * Whether a month of usage events holds usage not yet billed: events of USAGE licenses whose hourly window was not
   * rolled up with exactly these totals, or reports for windows in the month that the meter has not accepted (PENDING,
   * FAILED or TOO_OLD). Other licenses' events are never billed per use.
   */
  async holdsUnbilledUsage(p: MonthPartition): Promise<boolean> {
    const res = await this.db.execute<{ unbilled: boolean }>(sql`/* partitionHoldsUnbilledUsage */
      SELECT EXISTS (
        SELECT 1
        FROM (
          SELECT e.license_id, date_trunc('hour', e.served_at, 'UTC') AS window_start,
                 sum(e.bytes)::bigint AS bytes, sum(e.rows)::bigint AS rows, count(*)::bigint AS requests
          FROM ${sql.identifier(p.name)} e
          WHERE e.license_id IN (SELECT id FROM licenses WHERE pricing_model = 'USAGE')
          GROUP BY 1, 2
        ) s
        LEFT JOIN usage_windows w ON w.license_id = s.license_id AND w.window_start = s.window_start
        WHERE w.license_id IS NULL OR w.bytes <> s.bytes OR w.rows <> s.rows OR w.requests <> s.requests
      ) OR EXISTS (
        SELECT 1 FROM usage_reports
        WHERE window_start >= ${p.from.toISOString()}::timestamptz AND window_start < ${p.to.toISOString()}::timestamptz AND status <> 'SENT'
      ) AS unbilled`);
    return res.rows[0]!.unbilled;
  }

  /**
   * For the rest of the transaction: no other partition change (the lock `assay_ensure_month_partition` takes), and
   * no new rows reaching the partition (reads go on).
   */
  async lockForDrop(p: MonthPartition, lockTimeoutMs: number): Promise<void> {
    await this.db.execute(sql`SELECT pg_advisory_xact_lock(hashtext('assay.partitions'))`);
    await this.db.execute(sql`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`);
    await this.db.execute(sql`LOCK TABLE ${sql.identifier(p.name)} IN SHARE MODE`);
  }

  /** Detaches a month partition of usage events and drops it with its rows. */
  async dropUsagePartition(p: MonthPartition): Promise<void> {
    await this.db.execute(sql`ALTER TABLE usage_events DETACH PARTITION ${sql.identifier(p.name)}`);
    await this.db.execute(sql`DROP TABLE ${sql.identifier(p.name)}`);
  }
}
