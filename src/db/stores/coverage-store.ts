import DataLoader from 'dataloader';
import { desc, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { byKey, groupBy } from './batch.js';
import { coverageGroups, coverageReports } from '../tables/index.js';

export type CoverageReportRow = typeof coverageReports.$inferSelect;

/** Data access for coverage reports; one instance per request. */
export class CoverageStore {
  constructor(private readonly db: DbOrTx) {}

  readonly reportById = new DataLoader<string, CoverageReportRow | undefined>(async (ids) => {
    const rows = await this.db
      .select()
      .from(coverageReports)
      .where(inArray(coverageReports.id, [...ids]));
    return byKey(ids, rows, (r) => r.id);
  });

  /** Every report of each version, newest first: one statement for a page of versions (or a mix's components and their sources). */
  readonly reportsByVersionId = new DataLoader<string, CoverageReportRow[]>(async (ids) => {
    const rows = await this.db
      .select()
      .from(coverageReports)
      .where(inArray(coverageReports.versionId, [...ids]))
      .orderBy(desc(coverageReports.createdAt), desc(coverageReports.id));
    return groupBy(ids, rows, (r) => r.versionId);
  });

  /** Stores a report and its groups (with their shares) for the catalog filter; inside the caller's transaction. */
  async insertReport(row: typeof coverageReports.$inferInsert, shares: ReadonlyMap<string, number>): Promise<CoverageReportRow> {
    const [created] = await this.db.insert(coverageReports).values(row).returning();
    await this.db.insert(coverageGroups).values(
      row.groups.map((g) => ({
        reportId: row.id,
        versionId: row.versionId,
        attribute: row.attribute,
        value: g.value,
        count: g.count,
        share: shares.get(g.value) ?? 0,
      })),
    );
    this.reportsByVersionId.clear(row.versionId);
    return created!;
  }
}
