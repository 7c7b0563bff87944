import type { Stores } from '../db/stores/index.js';
import type { DatasetRow, DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { VersionLineageRow } from '../db/stores/lineage-store.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { attributionLabel, computeLineage, type DatasetKind, type LineageSummary, type SourceLineage } from './metrics.js';
import { CONTENT_ROLES, generatesRows, type Provenance } from './provenance.js';
import { derivationRight, type DerivationLicenses } from './rights.js';
import { permissionsOf, termsOf } from '../catalog/terms.js';
import type { CollapseRiskSettings } from '../config.js';

/** Methods whose output is only as good as the model that wrote it, so the model must be named. */
const NEEDS_GENERATOR = new Set(['LLM_GENERATION', 'DISTILLATION']);

/**
 * What the dataset's kind requires of the provenance before a version may publish. Field names point at the stored
 * draft with the `input.` prefix every mutation's errors carry (`input.provenance.realFraction`), as publish's other
 * checks do (`input.files.0`, `input.columns`).
 */
export function assertProvenanceComplete(kind: DatasetKind, provenance: Provenance | null): void {
  const fail = (field: string, message: string): never => {
    throw new BadUserInputError(`input.${field}: ${message}`, `input.${field}`);
  };
  if (kind === 'REAL') {
    // A REAL version may publish without provenance; when it declares one, it records how and on what basis.
    if (!provenance) return;
    if (provenance.method && generatesRows(provenance.method)) {
      fail(
        'provenance.method',
        `a REAL version's rows are collected, not generated (${provenance.method}); make the dataset SYNTHETIC or HYBRID`,
      );
    }
    if (provenance.realFraction != null && provenance.realFraction !== 1)
      fail('provenance.realFraction', 'every row of a REAL version is real: leave it out or set 1');
    if (!provenance.collectionMethod) fail('provenance.collectionMethod', 'a REAL version records how its records were collected');
    if (!provenance.consentBasis) fail('provenance.consentBasis', 'a REAL version records the consent basis of its records');
    return;
  }
  if (!provenance)
    fail('provenance', `a ${kind} version must declare its provenance (method, sources, real fraction, curation) to publish`);
  const p = provenance!;
  if (!p.method) fail('provenance.method', `a ${kind} version states how its rows were made`);
  if (p.method === 'HUMAN_COLLECTION') fail('provenance.method', 'HUMAN_COLLECTION is for REAL versions');
  if (NEEDS_GENERATOR.has(p.method!) && !p.generator) fail('provenance.generator', `${p.method} names the model that generated the rows`);
  if (!generatesRows(p.method) && !p.sources.some((s) => s.role === 'SEED')) {
    fail('provenance.sources', `${p.method} selects or mixes rows, so it needs at least one SEED source`);
  }
  if (generatesRows(p.method)) {
    if (p.realFraction === 1) fail('provenance.realFraction', 'a version whose method generates rows cannot be 100% real records');
    if (kind === 'HYBRID' && (p.realFraction == null || p.realFraction === 0)) {
      fail('provenance.realFraction', 'a HYBRID version mixes real and generated rows: state the share of real rows (above 0)');
    }
  }
}

/** A stored summary row as the metrics see it. */
export function summaryOfRow(row: VersionLineageRow): LineageSummary {
  return {
    generationDepth: row.generationDepth,
    realFraction: row.realFraction,
    humanReviewedFraction: row.humanReviewedFraction,
    ownTerms: row.ownTerms,
    inheritedTerms: row.inheritedTerms,
    attributionLabel: row.attributionLabel,
    attributions: row.attributions,
    realRootIds: row.realRootIds,
    collapseRisk: row.collapseRisk,
    collapseReasons: row.collapseReasons,
    collapseFindings: row.collapseFindings,
  };
}

/** The dataset columns the catalog filters on, copied from its latest version's summary. */
export function catalogLineageColumns(summary: LineageSummary | null): {
  lineageGenerationDepth: number | null;
  lineageRealFraction: number | null;
  lineagePermissions: string[] | null;
} {
  return {
    lineageGenerationDepth: summary?.generationDepth ?? null,
    lineageRealFraction: summary?.realFraction ?? null,
    lineagePermissions: summary ? permissionsOf(summary.inheritedTerms) : null,
  };
}

type SourceRow = Awaited<ReturnType<Stores['lineage']['lockSources']>> extends Map<string, infer R> ? R : never;

/**
 * Whether `organizationId` may cite `sourceVersionId` as a source of `versionId` (undefined for a version not yet
 * created): it must exist as far as this vendor can tell (NOT_FOUND), not be the version itself or retracted
 * (BAD_USER_INPUT), and be the vendor's own, open, or covered by an active license permitting derivatives and
 * synthetic generation (FORBIDDEN). Drafting checks it at once; publish checks it again (a license may have ended).
 */
export async function checkSource(
  stores: Stores,
  licenses: DerivationLicenses,
  organizationId: string,
  versionId: string | undefined,
  sourceVersionId: string,
  field: string,
  locked?: Map<string, SourceRow>,
) {
  if (sourceVersionId === versionId) throw new BadUserInputError(`${field}: a version cannot be its own source`, field);
  const row = locked ? locked.get(sourceVersionId) : await stores.catalog.versionById.load(sourceVersionId);
  const sourceDataset = row && (await stores.catalog.datasetById.load(row.datasetId));
  const own = sourceDataset?.vendorId === organizationId;
  // Another vendor's draft or unlisted dataset does not exist as far as this vendor can tell.
  if (!row || !sourceDataset || (!own && (row.status === 'DRAFT' || sourceDataset.status !== 'PUBLISHED'))) {
    throw new NotFoundError(`${field}: no published dataset version ${sourceVersionId}`, { field });
  }
  if (row.status === 'RETRACTED') throw new BadUserInputError(`${field}: ${sourceVersionId} was retracted and cannot be a source`, field);
  const right = await derivationRight(stores, licenses, organizationId, {
    datasetId: sourceDataset.id,
    versionId: sourceVersionId,
    vendorId: sourceDataset.vendorId,
    terms: termsOf(sourceDataset),
  });
  if (!right) {
    throw new ForbiddenError(
      `${field}: you may not derive from "${sourceDataset.title}" (${sourceVersionId}): it is not yours, its terms are not open, and your organization holds no active license permitting derivatives and synthetic generation`,
      { field },
    );
  }
  return { row, right };
}

/**
 * Publish's lineage step, inside publish's transaction: checks the declared provenance is complete and every source
 * is a published version the vendor may derive from, then freezes the lineage (edges, summary, closure rows).
 * Returns the summary so publish can copy the catalog filter columns onto the dataset.
 */
export async function freezeLineage(
  stores: Stores,
  licenses: DerivationLicenses,
  args: { organizationId: string; dataset: DatasetRow; version: DatasetVersionRow; now: Date; collapseRisk: CollapseRiskSettings },
): Promise<LineageSummary> {
  const { organizationId, dataset, version, now } = args;
  const provenance = (await stores.lineage.provenanceByVersionId.load(version.id)) ?? null;
  assertProvenanceComplete(dataset.kind, provenance);
  const declared = provenance?.sources ?? [];

  const locked = await stores.lineage.lockSources(declared.map((s) => s.versionId));
  const sources: SourceLineage[] = [];
  const edges: Parameters<Stores['lineage']['freeze']>[1] = [];
  for (const [i, source] of declared.entries()) {
    const field = `input.provenance.sources.${i}.versionId`;
    const { row, right } = await checkSource(stores, licenses, organizationId, version.id, source.versionId, field, locked);
    if (row.status === 'DRAFT') throw new BadUserInputError(`${field}: ${source.versionId} is a draft; publish it first`, field);
    const summary = await sourceSummary(stores, source.versionId, args.collapseRisk);
    if (dataset.kind === 'REAL' && CONTENT_ROLES.has(source.role) && summary.generationDepth > 0) {
      throw new BadUserInputError(`${field}: a REAL version cannot carry rows from synthetic data (${source.versionId})`, field);
    }
    sources.push({ versionId: source.versionId, role: source.role, rowsUsed: source.rowsUsed, summary });
    edges.push({
      sourceVersionId: source.versionId,
      role: source.role,
      rowsUsed: source.rowsUsed,
      basis: right.basis,
      licenseId: right.licenseId,
    });
  }
  // Sources are published and a version is published once, so a cycle cannot form; the guard keeps it that way.
  if (
    await stores.lineage.isAncestorOfAny(
      version.id,
      declared.map((s) => s.versionId),
    )
  ) {
    throw new ConflictError('input.provenance.sources: citing these sources would make a cycle', { field: 'input.provenance.sources' });
  }

  const vendor = await stores.accounts.organizationById.load(dataset.vendorId);
  const summary = computeLineage(
    {
      versionId: version.id,
      kind: dataset.kind,
      terms: termsOf(dataset),
      attributionLabel: attributionLabel(dataset.title, vendor?.name ?? 'unknown vendor', dataset.spdxId),
      provenance,
    },
    sources,
    args.collapseRisk,
  );
  await stores.lineage.freeze(version.id, edges, { ...summary, computedAt: now });
  return summary;
}

/**
 * A published source's frozen summary. Versions published before lineage existed have none: they count as what their
 * kind says, with no ancestry (REAL a root, anything else one generation with no real rows).
 */
export async function sourceSummary(stores: Stores, versionId: string, settings: CollapseRiskSettings): Promise<LineageSummary> {
  const stored = await stores.lineage.summaryByVersionId.load(versionId);
  if (stored) return summaryOfRow(stored);
  const version = await stores.catalog.versionById.load(versionId);
  const dataset = version && (await stores.catalog.datasetById.load(version.datasetId));
  if (!version || !dataset) throw new Error(`lineage: version ${versionId} vanished`);
  const vendor = await stores.accounts.organizationById.load(dataset.vendorId);
  return computeLineage(
    {
      versionId,
      kind: dataset.kind,
      terms: termsOf(dataset),
      attributionLabel: attributionLabel(dataset.title, vendor?.name ?? 'unknown vendor', dataset.spdxId),
      provenance: (await stores.lineage.provenanceByVersionId.load(versionId)) ?? null,
    },
    [],
    settings,
  );
}
