import type { Viewer } from '../accounts/viewer.js';
import type { AuditLog } from '../audit/service.js';
import { versionRetracted } from '../events/builders.js';
import { emitEvents } from '../events/emit.js';
import type { CatalogService } from '../catalog/service.js';
import type { Clock } from '../clock.js';
import type { DatasetRow, DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { Stores } from '../db/stores/index.js';
import type { LineageLink, QualityReportRow } from '../db/stores/lineage-store.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { parseInput } from '../validation.js';
import { toCroissant } from './croissant.js';
import { catalogLineageColumns, sourceSummary, summaryOfRow } from './freeze.js';
import { AttachQualityReportInput, MAX_LINEAGE_DEPTH, RetractDatasetVersionInput } from './inputs.js';
import {
  attributionLabel,
  computeLineage,
  withRetractions,
  type CollapseRisk,
  type LineageSummary,
  type SourceLineage,
} from './metrics.js';
import type { Provenance } from './provenance.js';
import { termsOf } from '../catalog/terms.js';
import type { CollapseRiskSettings } from '../config.js';
import type { RiskFinding } from '../mixes/collapse-rules.js';

/** At most this many ancestors or descendants are listed per version (nearest first). */
export const LINEAGE_LIST_LIMIT = 1000;

/**
 * A version's lineage as the API shows it: the summary plus what is needed to walk the graph. The summary's figures
 * the Lineage type shows as they are sit on the view itself, so they need no resolver (a page of 20 listings made
 * 60 resolver calls for them).
 */
export interface LineageView extends Pick<LineageSummary, 'generationDepth' | 'realFraction' | 'humanReviewedFraction' | 'inheritedTerms'> {
  version: DatasetVersionRow;
  summary: LineageSummary;
  /** Published and retracted versions read their ancestry from the closure table; drafts from their declared sources. */
  frozen: boolean;
  /** A draft's declared sources that are already published (the closure starts from them). */
  publishedSourceIds: string[];
}

function lineageView(version: DatasetVersionRow, summary: LineageSummary, frozen: boolean, publishedSourceIds: string[]): LineageView {
  const { generationDepth, realFraction, humanReviewedFraction, inheritedTerms } = summary;
  return { version, summary, frozen, publishedSourceIds, generationDepth, realFraction, humanReviewedFraction, inheritedTerms };
}

export interface LineageNode {
  version: DatasetVersionRow;
  depth: number;
}

export interface LineageDeps {
  stores: Stores;
  clock: Clock;
  catalog: CatalogService;
  /** Absolute origin of this server, for Croissant URLs. */
  origin: string;
  collapseRiskSettings: CollapseRiskSettings;
  audit: AuditLog;
}

/**
 * Lineage for readers (graph, metrics, risk, Croissant) and the lineage mutations (retraction, quality reports).
 * Publishing freezes lineage through `freezeLineage`, called by the catalog inside its publish transaction.
 * @example const view = await lineage.lineage(version); await lineage.ancestors(viewer, view, 10);
 */
export class LineageService {
  constructor(private readonly deps: LineageDeps) {}

  // --- reading -------------------------------------------------------------

  /**
   * The declared provenance of a version the caller can already see. Sources the caller may not see are left out
   * (not even their IDs show), except for whoever declared them: the citing vendor and staff see the whole declaration.
   */
  async provenance(viewer: Viewer, version: DatasetVersionRow): Promise<Provenance | null> {
    const provenance = (await this.deps.stores.lineage.provenanceByVersionId.load(version.id)) ?? null;
    if (!provenance || provenance.sources.length === 0) return provenance;
    const dataset = await this.deps.stores.catalog.datasetById.load(version.datasetId);
    if (dataset && viewer.canRead(dataset.vendorId)) return provenance;
    const visible = await Promise.all(provenance.sources.map((s) => this.deps.catalog.version(viewer, s.versionId)));
    return { ...provenance, sources: provenance.sources.filter((_, i) => visible[i]) };
  }

  /**
   * Stored at publish for published versions; computed from the declared provenance for a draft. Answered at once
   * when the summary was read with the page that listed the version (no promise per listing).
   */
  lineage(version: DatasetVersionRow): LineageView | Promise<LineageView> {
    if (version.status !== 'DRAFT') {
      const listed = this.deps.stores.catalog.listedVersions.get(version)?.lineage;
      const stored = listed ? listed.summary : this.deps.stores.lineage.summaryByVersionId.peek(version.id);
      if (stored) return lineageView(version, summaryOfRow(stored), true, []);
      return sourceSummary(this.deps.stores, version.id, this.deps.collapseRiskSettings).then((summary) =>
        lineageView(version, summary, true, []),
      );
    }
    return this.draftLineage(version);
  }

  private async draftLineage(version: DatasetVersionRow): Promise<LineageView> {
    const dataset = (await this.deps.stores.catalog.datasetById.load(version.datasetId))!;
    const provenance = (await this.deps.stores.lineage.provenanceByVersionId.load(version.id)) ?? null;
    const declared = provenance?.sources ?? [];
    const rows = await this.deps.stores.catalog.versionById.loadMany(declared.map((s) => s.versionId));
    const sources: SourceLineage[] = [];
    for (const [i, s] of declared.entries()) {
      const row = rows[i];
      // Until publish checks them, unpublished or unknown sources simply do not count.
      if (!row || row instanceof Error || row.status === 'DRAFT' || row.id === version.id) continue;
      sources.push({
        versionId: s.versionId,
        role: s.role,
        rowsUsed: s.rowsUsed,
        summary: await sourceSummary(this.deps.stores, s.versionId, this.deps.collapseRiskSettings),
      });
    }
    const vendor = await this.deps.stores.accounts.organizationById.load(dataset.vendorId);
    const summary = computeLineage(
      {
        versionId: version.id,
        kind: dataset.kind,
        terms: termsOf(dataset),
        attributionLabel: attributionLabel(dataset.title, vendor?.name ?? 'unknown vendor', dataset.spdxId),
        provenance,
      },
      sources,
      this.deps.collapseRiskSettings,
    );
    return lineageView(
      version,
      summary,
      false,
      sources.map((s) => s.versionId),
    );
  }

  /** Ancestors up to `maxDepth` generations up (1..50, default 50), nearest first; one closure query per page. */
  async ancestors(viewer: Viewer, view: LineageView, maxDepth?: number | null): Promise<LineageNode[]> {
    return this.visibleNodes(viewer, await this.ancestorLinks(view, lineageDepth(maxDepth)));
  }

  /**
   * The credit lines owed (frozen at publish), less those of ancestors the caller may not see: a suspended or
   * archived ancestor is not named to those who cannot see its listing (its vendor and staff still see its line).
   */
  async attributions(viewer: Viewer, view: LineageView): Promise<string[]> {
    const owed = view.summary.attributions;
    if (owed.length === 0) return owed;
    const links = await this.ancestorLinks(view, MAX_LINEAGE_DEPTH);
    const visible = await Promise.all(links.map((l) => this.deps.catalog.version(viewer, l.versionId)));
    if (visible.every((v) => v !== null)) return owed;
    // Every version of a dataset carries the same credit line, so a line stays when any ancestor carrying it is visible.
    const lines = await Promise.all(links.map((l) => sourceSummary(this.deps.stores, l.versionId, this.deps.collapseRiskSettings)));
    const shown = new Set(lines.flatMap((line, i) => (visible[i] ? [line.attributionLabel] : [])));
    const hidden = new Set(lines.flatMap((line, i) => (visible[i] ? [] : [line.attributionLabel])));
    return owed.filter((label) => shown.has(label) || !hidden.has(label));
  }

  /** Descendants down to `maxDepth` generations (drafts have none: nothing can cite a draft). */
  async descendants(viewer: Viewer, view: LineageView, maxDepth?: number | null): Promise<LineageNode[]> {
    const depth = lineageDepth(maxDepth);
    if (!view.frozen) return [];
    return this.visibleNodes(
      viewer,
      await this.deps.stores.lineage.descendants.load({ versionId: view.version.id, maxDepth: depth, limit: LINEAGE_LIST_LIMIT }),
    );
  }

  async roots(viewer: Viewer, view: LineageView): Promise<DatasetVersionRow[]> {
    return this.visibleVersions(viewer, view.summary.realRootIds);
  }

  /** Every retracted ancestor, however far up: read through the closure, so a retraction rewrites no descendant. */
  async retractedAncestors(viewer: Viewer, view: LineageView): Promise<DatasetVersionRow[]> {
    return this.visibleVersions(viewer, await this.retractedAncestorIds(view));
  }

  /**
   * The risk frozen at publish, raised to HIGH by a retraction of the version or any ancestor since. A retracted
   * ancestor the caller may not see still raises the risk, but is only counted, never named.
   */
  collapseRisk(viewer: Viewer, view: LineageView): CollapseRisk | Promise<CollapseRisk> {
    const { collapseRisk: level, collapseReasons: reasons, collapseFindings } = view.summary;
    // Versions frozen before findings were stored keep their reasons; each stands as a finding without a rule of its own.
    const findings: RiskFinding[] =
      collapseFindings.length > 0 || reasons.length === 0
        ? collapseFindings
        : reasons.map((message) => ({ rule: 'FROZEN_REASON', level, message, citation: null }));
    const base = { level, reasons, findings };
    // No retracted ancestor, as the page that listed the version read: nothing to look up.
    if (view.frozen && this.deps.stores.lineage.retractedAncestorIds.peek(view.version.id)?.length === 0) {
      return withRetractions(base, [], 0, this.selfRetraction(view));
    }
    return this.withAncestorRetractions(viewer, view, base);
  }

  private selfRetraction(view: LineageView): { reason: string | null } | null {
    return view.version.status === 'RETRACTED' ? { reason: view.version.retractionReason } : null;
  }

  private async withAncestorRetractions(
    viewer: Viewer,
    view: LineageView,
    base: Parameters<typeof withRetractions>[0],
  ): Promise<CollapseRisk> {
    const ids = await this.retractedAncestorIds(view);
    const visible = await this.visibleVersions(viewer, ids);
    const labels = await Promise.all(
      visible.map(async (v) => {
        const dataset = await this.deps.stores.catalog.datasetById.load(v.datasetId);
        return { label: `"${dataset?.title ?? v.datasetId}" ${v.version} (${v.id})`, reason: v.retractionReason };
      }),
    );
    return withRetractions(base, labels, ids.length - visible.length, this.selfRetraction(view));
  }

  async qualityReports(version: DatasetVersionRow): Promise<QualityReportRow[]> {
    return this.deps.stores.lineage.qualityReportsByVersionId.load(version.id);
  }

  /** A quality report by ID, when the caller may see its version. */
  async qualityReport(viewer: Viewer, id: string): Promise<QualityReportRow | null> {
    const report = await this.deps.stores.lineage.qualityReportById.load(id);
    return report && (await this.deps.catalog.version(viewer, report.versionId)) ? report : null;
  }

  /** The version's MLCommons Croissant JSON-LD, provenance included (sources the caller cannot see stay anonymous). */
  async croissant(viewer: Viewer, version: DatasetVersionRow): Promise<Record<string, unknown>> {
    const dataset = (await this.deps.stores.catalog.datasetById.load(version.datasetId))!;
    const [vendor, files, provenance, view, reports, optOutEvidence] = await Promise.all([
      this.deps.stores.accounts.organizationById.load(dataset.vendorId),
      this.deps.stores.catalog.filesByVersionId.load(version.id),
      this.provenance(viewer, version),
      this.lineage(version),
      this.deps.stores.coverage.reportsByVersionId.load(version.id),
      this.deps.stores.lineage.optOutEvidenceByVersionId.load(version.id),
    ]);
    // Newest first: the first report on each attribute is the one that stands.
    const coverage = reports.filter((r, i) => reports.findIndex((o) => o.attribute === r.attribute) === i);
    const sources = await Promise.all(
      (provenance?.sources ?? []).map(async (s) => {
        const source = await this.deps.catalog.version(viewer, s.versionId);
        const sourceDataset = source && (await this.deps.stores.catalog.datasetById.load(source.datasetId));
        const sourceVendor = sourceDataset && (await this.deps.stores.accounts.organizationById.load(sourceDataset.vendorId));
        return {
          ...s,
          name: sourceDataset ? `${sourceDataset.title} ${source!.version}` : null,
          fullSlug: sourceDataset && sourceVendor ? `${sourceVendor.slug}/${sourceDataset.slug}` : null,
          version: source?.version ?? null,
        };
      }),
    );
    return toCroissant({
      origin: this.deps.origin,
      dataset: { ...dataset, terms: termsOf(dataset), fullSlug: `${vendor?.slug ?? dataset.vendorId}/${dataset.slug}` },
      vendorName: vendor?.name ?? dataset.vendorId,
      version,
      files,
      provenance,
      lineage: view.summary,
      sources,
      coverage: coverage.map((r) => ({ attribute: r.attribute, attestedBy: r.attestedBy, attestation: r.attestation, groups: r.groups })),
      optOutEvidence,
    });
  }

  // --- writing -------------------------------------------------------------

  /**
   * The owning vendor (or an admin) retracts a published version: it stops being sold and every descendant,
   * transitively, shows it among its retracted ancestors. The dataset's latest version falls back to the newest
   * version still published.
   */
  async retract(viewer: Viewer, raw: unknown): Promise<DatasetVersionRow> {
    const input = parseInput(RetractDatasetVersionInput, raw);
    viewer.assertAuthenticated();
    return this.deps.stores.transaction(async (tx) => {
      const { dataset } = await this.manageableVersion(viewer, tx, input.id, 'input.id');
      // Serializes with publish, which moves the same dataset's latest version.
      const locked = (await tx.catalog.lockDataset(dataset.id))!;
      const now = this.deps.clock.now();
      const retracted = await tx.lineage.retractVersion(input.id, input.reason, now);
      if (!retracted) {
        const current = (await tx.catalog.versionById.load(input.id))!;
        throw new ConflictError(
          current.status === 'DRAFT' ? 'Only a published version can be retracted' : 'This version is already retracted',
          { field: 'input.id' },
        );
      }
      if (locked.latestVersionId === retracted.id) {
        const next = await tx.lineage.newestPublishedVersionId(dataset.id);
        const summary = next ? await sourceSummary(tx, next, this.deps.collapseRiskSettings) : null;
        await tx.lineage.setDatasetLatest(dataset.id, next, catalogLineageColumns(summary), now);
      }
      // Licensees of this dataset and of every descendant see the retraction in their audit trail and event streams.
      const affected = await tx.lineage.licenseesAffectedBy(retracted.id);
      const descendants = await tx.lineage.countDescendants(retracted.id);
      await this.deps.audit.record(tx, viewer, {
        action: 'dataset.retracted',
        subjectType: 'DatasetVersion',
        subjectId: retracted.id,
        datasetId: dataset.id,
        organizationIds: [dataset.vendorId, ...affected],
        details: { reason: input.reason, version: retracted.version, descendants },
      });
      await emitEvents(tx, this.deps.clock, [versionRetracted(dataset, retracted, input.reason, affected, descendants)]);
      // The request's own loaders must not serve the pre-retraction rows to the payload's fields.
      this.deps.stores.catalog.versionById.clear(retracted.id);
      this.deps.stores.catalog.datasetById.clear(dataset.id);
      return retracted;
    });
  }

  /** The owning vendor (or an admin) attaches an evaluation to a version. */
  async attachQualityReport(viewer: Viewer, raw: unknown): Promise<QualityReportRow> {
    const input = parseInput(AttachQualityReportInput, raw);
    const principal = viewer.assertAuthenticated();
    const { dataset, version } = await this.manageableVersion(viewer, this.deps.stores, input.versionId, 'input.versionId');
    const now = this.deps.clock.now();
    const report = await this.deps.stores.transaction(async (tx) => {
      const row = await tx.lineage.insertQualityReport({
        id: newId('qualityReport', now.getTime()),
        versionId: version.id,
        fidelity: input.fidelity ?? null,
        distanceToClosestRecord: input.privacy?.distanceToClosestRecord ?? null,
        membershipInferenceRisk: input.privacy?.membershipInferenceRisk ?? null,
        dedupPassRate: input.dedupPassRate ?? null,
        filterPassRate: input.filterPassRate ?? null,
        factCheckRate: input.factCheckRate ?? null,
        hallucinationRate: input.hallucinationRate ?? null,
        producedBy: input.producedBy,
        attestation: input.attestation,
        reportUrl: input.reportUrl ?? null,
        notes: input.notes ?? null,
        attachedBy: principal.userId,
        createdAt: now,
      });
      await this.deps.audit.record(tx, viewer, {
        action: 'quality_report.attached',
        subjectType: 'QualityReport',
        subjectId: row.id,
        datasetId: dataset.id,
        organizationIds: [dataset.vendorId],
        details: { versionId: version.id, attestation: input.attestation, producedBy: input.producedBy },
      });
      return row;
    });
    this.deps.stores.lineage.qualityReportsByVersionId.clear(version.id);
    return report;
  }

  // --- helpers -------------------------------------------------------------

  /** A version the caller may manage: NOT_FOUND when they cannot see it, FORBIDDEN unless its vendor's member or an admin. */
  async manageableVersion(
    viewer: Viewer,
    stores: Stores,
    id: string,
    field: string,
  ): Promise<{ dataset: DatasetRow; version: DatasetVersionRow }> {
    const version = await stores.catalog.versionById.load(id);
    const dataset = version && (await stores.catalog.datasetById.load(version.datasetId));
    if (!version || !dataset || !this.deps.catalog.canSeeVersion(viewer, dataset, version)) {
      throw new NotFoundError('No such dataset version', { field });
    }
    if (!viewer.isAdmin) viewer.assertOrgMember(dataset.vendorId);
    return { dataset, version };
  }

  /** Ancestor links up to `depth` generations, nearest first: the closure for published versions, the sources' for a draft. */
  private ancestorLinks(view: LineageView, depth: number): Promise<LineageLink[]> {
    return view.frozen
      ? this.deps.stores.lineage.ancestors.load({ versionId: view.version.id, maxDepth: depth, limit: LINEAGE_LIST_LIMIT })
      : this.deps.stores.lineage.ancestorsOfSources(view.publishedSourceIds, depth, LINEAGE_LIST_LIMIT);
  }

  private async retractedAncestorIds(view: LineageView): Promise<string[]> {
    if (view.frozen) return this.deps.stores.lineage.retractedAncestorIds.load(view.version.id);
    const links = await this.deps.stores.lineage.ancestorsOfSources(view.publishedSourceIds, MAX_LINEAGE_DEPTH, LINEAGE_LIST_LIMIT);
    const rows = await this.deps.stores.catalog.versionById.loadMany(links.map((l) => l.versionId));
    return rows.flatMap((r) => (r && !(r instanceof Error) && r.status === 'RETRACTED' ? [r.id] : []));
  }

  /** Versions the caller may see, in the given order (a suspended ancestor's listing stays hidden). */
  private async visibleVersions(viewer: Viewer, ids: readonly string[]): Promise<DatasetVersionRow[]> {
    const rows = await Promise.all(ids.map((id) => this.deps.catalog.version(viewer, id)));
    return rows.filter((r): r is DatasetVersionRow => r !== null);
  }

  private async visibleNodes(viewer: Viewer, links: readonly LineageLink[]): Promise<LineageNode[]> {
    const rows = await Promise.all(links.map((l) => this.deps.catalog.version(viewer, l.versionId)));
    return links.flatMap((l, i) => (rows[i] ? [{ version: rows[i]!, depth: l.depth }] : []));
  }
}

/** `maxDepth` as a client gives it: 1..50, default 50. */
export function lineageDepth(maxDepth: number | null | undefined): number {
  if (maxDepth === undefined || maxDepth === null) return MAX_LINEAGE_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_LINEAGE_DEPTH) {
    throw new BadUserInputError(`maxDepth: must be between 1 and ${MAX_LINEAGE_DEPTH}`, 'maxDepth');
  }
  return maxDepth;
}
