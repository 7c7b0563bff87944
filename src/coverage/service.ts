import type { Viewer } from '../accounts/viewer.js';
import type { AuditLog } from '../audit/service.js';
import type { CatalogService } from '../catalog/service.js';
import type { Clock } from '../clock.js';
import type { MixSettings } from '../config.js';
import type { DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { CoverageReportRow } from '../db/stores/coverage-store.js';
import type { Stores } from '../db/stores/index.js';
import { BadUserInputError } from '../errors.js';
import { newId } from '../ids.js';
import type { LineageService } from '../lineage/service.js';
import { CONTENT_ROLES } from '../lineage/provenance.js';
import { parseInput } from '../validation.js';
import { coverageGroups, coverageStats, inheritedShares, shares, type CoverageGroupView, type CoverageStats } from './arithmetic.js';
import { AttachCoverageReportInput } from './inputs.js';

/** A report as the API shows it: its groups with shares, the summary statistics, and what it inherited. */
export interface CoverageReportView extends CoverageStats {
  /** The report's ID, where `Node` resolution looks for it. */
  id: string;
  row: CoverageReportRow;
  groups: CoverageGroupView[];
  /** Source versions whose reports on this attribute the inherited shares come from (SYNTHETIC/HYBRID only). */
  inheritedFromIds: string[];
}

export interface CoverageDeps {
  stores: Stores;
  clock: Clock;
  catalog: CatalogService;
  lineage: LineageService;
  settings: MixSettings;
  audit: AuditLog;
}

/**
 * Coverage reports: who is represented in a version. The owning vendor (attesting it itself, or passing on a third
 * party's report) or a platform admin (always as a third party) attaches them; anyone who can see the version reads
 * them. For SYNTHETIC and HYBRID versions each report is compared with what its content sources' reports predict.
 * @example const views = await coverage.reports(version);
 */
export class CoverageService {
  constructor(private readonly deps: CoverageDeps) {}

  /** Every report of a version the caller can already see, newest first. */
  async reports(version: DatasetVersionRow): Promise<CoverageReportView[]> {
    const rows = await this.deps.stores.coverage.reportsByVersionId.load(version.id);
    return Promise.all(rows.map((r) => this.view(r)));
  }

  /** A report by ID, when the caller may see its version. */
  async report(viewer: Viewer, id: string): Promise<CoverageReportView | null> {
    const row = await this.deps.stores.coverage.reportById.load(id);
    return row && (await this.deps.catalog.version(viewer, row.versionId)) ? this.view(row) : null;
  }

  /** The newest report on each attribute of a version (what mixes and inheritance use). */
  async latestByAttribute(versionId: string): Promise<Map<string, CoverageReportRow>> {
    const out = new Map<string, CoverageReportRow>();
    for (const r of await this.deps.stores.coverage.reportsByVersionId.load(versionId)) if (!out.has(r.attribute)) out.set(r.attribute, r);
    return out;
  }

  async attach(viewer: Viewer, raw: unknown): Promise<CoverageReportView> {
    const input = parseInput(AttachCoverageReportInput, raw);
    const principal = viewer.assertAuthenticated();
    const { dataset, version } = await this.deps.lineage.manageableVersion(viewer, this.deps.stores, input.versionId, 'input.versionId');
    // Staff vouch for nothing on a vendor's behalf: what they attach is a third party's report.
    if (!viewer.isMemberOf(dataset.vendorId) && input.attestation === 'VENDOR') {
      throw new BadUserInputError(
        'input.attestation: only the vendor attests its own report; staff attach THIRD_PARTY reports',
        'input.attestation',
      );
    }
    const groups = input.groups.map((g) => ({ value: g.value, count: g.count, referenceShare: g.referenceShare ?? null }));
    const now = this.deps.clock.now();
    const row = await this.deps.stores.transaction(async (tx) => {
      const created = await tx.coverage.insertReport(
        {
          id: newId('coverageReport', now.getTime()),
          versionId: version.id,
          attribute: input.attribute,
          groups,
          attestedBy: input.attestedBy,
          attestation: input.attestation,
          organizationId: principal.organizationId ?? null,
          attachedBy: principal.userId,
          createdAt: now,
        },
        shares(groups),
      );
      await this.deps.audit.record(tx, viewer, {
        action: 'coverage_report.attached',
        subjectType: 'CoverageReport',
        subjectId: created.id,
        datasetId: dataset.id,
        organizationIds: [dataset.vendorId],
        details: { versionId: version.id, attribute: input.attribute, attestation: input.attestation, attestedBy: input.attestedBy },
      });
      return created;
    });
    this.deps.stores.coverage.reportsByVersionId.clear(version.id);
    return this.view(row);
  }

  private async view(row: CoverageReportRow): Promise<CoverageReportView> {
    const inherited = await this.inherited(row);
    return {
      id: row.id,
      row,
      ...coverageStats(row.groups),
      groups: coverageGroups(row.groups, inherited?.shares ?? null, this.deps.settings.coverageFellBy),
      inheritedFromIds: inherited?.fromIds ?? [],
    };
  }

  /** What a SYNTHETIC or HYBRID version's content sources predict for this attribute; null for REAL or without source reports. */
  private async inherited(row: CoverageReportRow): Promise<{ shares: Map<string, number>; fromIds: string[] } | null> {
    const version = await this.deps.stores.catalog.versionById.load(row.versionId);
    const dataset = version && (await this.deps.stores.catalog.datasetById.load(version.datasetId));
    if (!dataset || dataset.kind === 'REAL') return null;
    const provenance = await this.deps.stores.lineage.provenanceByVersionId.load(row.versionId);
    const sources = (provenance?.sources ?? []).filter((s) => CONTENT_ROLES.has(s.role) && s.rowsUsed > 0);
    const reported = await Promise.all(
      sources.map(async (s) => ({ source: s, report: (await this.latestByAttribute(s.versionId)).get(row.attribute) })),
    );
    const withReport = reported.filter((r) => r.report !== undefined);
    if (withReport.length === 0) return null;
    return {
      shares: inheritedShares(withReport.map((r) => ({ rowsUsed: r.source.rowsUsed, groups: r.report!.groups }))),
      fromIds: withReport.map((r) => r.source.versionId),
    };
  }
}
