import type { Viewer } from '../accounts/viewer.js';
import type { AuditLog } from '../audit/service.js';
import type { CatalogService } from '../catalog/service.js';
import { termsOf, type LicensePermission } from '../catalog/terms.js';
import type { Clock } from '../clock.js';
import type { CollapseRiskSettings, MixSettings } from '../config.js';
import { mixCoverage, type MixCoverageView } from '../coverage/arithmetic.js';
import type { CoverageService } from '../coverage/service.js';
import type { DatasetRow, DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { Stores } from '../db/stores/index.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { MixScope, TrainingMixRow } from '../db/stores/mixes-store.js';
import type { OfferRow } from '../db/stores/offers-store.js';
import { canSeeOffer } from '../offers/service.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { sourceSummary } from '../lineage/freeze.js';
import { decodeCursor, encodeCursor, pageSize, toConnection, type Connection } from '../pagination.js';
import { parseInput } from '../validation.js';
import {
  cheapestOffer,
  mixCollapseRisk,
  mixMetrics,
  realFractionWith,
  rowsToTarget,
  totalsByCurrency,
  type ComponentFacts,
  type MixMetrics,
  type OfferFacts,
  type PricedOffer,
} from './arithmetic.js';
import type { CollapseRisk } from './collapse-rules.js';
import { CreateTrainingMixInput, DeleteTrainingMixInput, UpdateTrainingMixInput } from './inputs.js';

/** Suggestions listed per mix, largest first. */
export const MAX_SUGGESTIONS = 5;

export interface MixComponentView {
  version: DatasetVersionRow;
  dataset: DatasetRow;
  rows: number;
  share: number;
  /** The buyer's ACTIVE license covering it; null when it holds none (or the data is its own). */
  license: LicenseRow | null;
  /** The organization's own dataset: no license needed. */
  owned: boolean;
  /** The cheapest offer granting the intended use, priced for these rows; null when licensed, owned or none grants it. */
  cheapestOffer: PricedOffer | null;
}

/** Everything a mix's fields show, computed once per request from its components' frozen lineage. */
export interface MixComputation {
  mix: TrainingMixRow;
  components: MixComponentView[];
  metrics: MixMetrics;
  collapseRisk: CollapseRisk;
  coverage: MixCoverageView[];
  /** Components retracted themselves or through an ancestor. */
  retracted: MixComponentView[];
  /** Components needing a license that no offer grants the intended use for. */
  unlicensable: MixComponentView[];
  licensingCost: { currency: string; amountCents: number }[];
}

export interface MixSuggestionView {
  version: DatasetVersionRow;
  rows: number;
  realFractionAfter: number;
  reachesTarget: boolean;
  offer: OfferRow | null;
  amountCents: number | null;
  currency: string | null;
}

export interface MixesDeps {
  stores: Stores;
  clock: Clock;
  catalog: CatalogService;
  coverage: CoverageService;
  risk: CollapseRiskSettings;
  settings: MixSettings;
  audit: AuditLog;
}

/**
 * Training mixes: a buyer organization's plan of what to train on. Private to that organization (anyone else gets
 * NOT_FOUND); any member creates and edits them, the creator or an OWNER deletes one.
 * @example const view = await mixes.compute(viewer, await mixes.mix(viewer, id));
 */
export class MixesService {
  private readonly computed = new Map<string, Promise<MixComputation>>();

  constructor(private readonly deps: MixesDeps) {}

  // --- reading -------------------------------------------------------------

  /** The viewer organization's mix; null for anyone else's (and for staff without an organization). */
  async mix(viewer: Viewer, id: string): Promise<TrainingMixRow | null> {
    const scope = this.scope(viewer);
    return (scope && (await this.deps.stores.mixes.mixById(scope, id))) ?? null;
  }

  async list(viewer: Viewer, args: { first?: number | null; after?: string | null }): Promise<Connection<TrainingMixRow>> {
    viewer.assertAuthenticated();
    const scope = this.requireScope(viewer);
    const limit = pageSize(args.first);
    const after = args.after ? String(decodeCursor(args.after, 'MIXES', 1)[0]) : undefined;
    const rows = await this.deps.stores.mixes.listMixes(scope, after, limit);
    return toConnection(
      rows,
      limit,
      (r) => encodeCursor('MIXES', [r.id]),
      () => this.deps.stores.mixes.countMixes(scope),
    );
  }

  /** The real fraction suggestions aim for: the mix's own target or the server's default. */
  targetOf(mix: TrainingMixRow): number {
    return mix.targetRealFraction ?? this.deps.settings.targetRealFraction;
  }

  /** The mix's numbers, computed once per request however many fields ask. */
  compute(viewer: Viewer, mix: TrainingMixRow): Promise<MixComputation> {
    let computing = this.computed.get(mix.id);
    if (!computing) {
      computing = this.computeNow(viewer, mix);
      this.computed.set(mix.id, computing);
    }
    return computing;
  }

  /**
   * Published REAL versions that would bring the mix to its target real fraction: same modality as a component,
   * sharing a tag with one (or matching the mix's search text), inheriting terms that allow the intended use; each
   * with the rows to take (at most its row count), the real fraction after, and the cheapest offer granting the use.
   */
  async suggestions(viewer: Viewer, mix: TrainingMixRow): Promise<MixSuggestionView[]> {
    const { components, metrics } = await this.compute(viewer, mix);
    const target = this.targetOf(mix);
    const needed = rowsToTarget(metrics.totalRows, metrics.realRowsExact, target);
    if (needed === 0) return [];
    const intendedUse = mix.intendedUse as LicensePermission[];
    const candidates = await this.deps.stores.mixes.suggestionCandidates({
      modalities: [...new Set(components.map((c) => c.dataset.modality))],
      tags: [...new Set(components.flatMap((c) => c.dataset.tags))],
      search: mix.suggestionSearch,
      permissions: intendedUse,
      excludeVersionIds: components.map((c) => c.version.id),
      limit: MAX_SUGGESTIONS,
    });
    const versions = await this.deps.stores.catalog.versionById.loadMany(candidates.map((c) => c.versionId));
    return Promise.all(
      candidates.map(async (c, i) => {
        const version = versions[i] as DatasetVersionRow;
        const rows = Math.min(needed, c.rowCount);
        const offers = await this.offerFacts(viewer, version, await this.deps.stores.catalog.datasetById.load(c.datasetId));
        const priced = cheapestOffer(offers, intendedUse, rows, sizeOf(version));
        return {
          version,
          rows,
          realFractionAfter: realFractionWith(metrics.totalRows, metrics.realRowsExact, rows),
          reachesTarget: rows === needed,
          offer: priced ? ((await this.deps.stores.offers.offerById.load(priced.offerId)) ?? null) : null,
          amountCents: priced?.amountCents ?? null,
          currency: priced?.currency ?? null,
        };
      }),
    );
  }

  // --- writing -------------------------------------------------------------

  async create(viewer: Viewer, raw: unknown): Promise<TrainingMixRow> {
    const input = parseInput(CreateTrainingMixInput, raw);
    const principal = viewer.assertAuthenticated();
    const scope = this.requireScope(viewer);
    await this.checkComponents(viewer, input.components);
    const now = this.deps.clock.now();
    return this.deps.stores.transaction(async (tx) => {
      const mix = await tx.mixes.insertMix({
        id: newId('trainingMix', now.getTime()),
        organizationId: scope.organizationId,
        name: input.name,
        regime: input.regime,
        intendedUse: input.intendedUse,
        targetRealFraction: input.targetRealFraction ?? null,
        suggestionSearch: input.suggestionSearch ?? null,
        createdBy: principal.userId,
        createdAt: now,
        updatedAt: now,
      });
      if (!mix) throw new ConflictError(`input.name: your organization already has a mix named "${input.name}"`, { field: 'input.name' });
      await tx.mixes.replaceComponents(mix.id, input.components);
      await this.audit(tx, viewer, 'training_mix.created', mix, { components: input.components.length, regime: mix.regime });
      return mix;
    });
  }

  async update(viewer: Viewer, raw: unknown): Promise<TrainingMixRow> {
    const input = parseInput(UpdateTrainingMixInput, raw);
    viewer.assertAuthenticated();
    const scope = this.requireScope(viewer);
    if (!(await this.deps.stores.mixes.mixById(scope, input.id))) throw new NotFoundError('No such training mix', { field: 'input.id' });
    if (input.components) await this.checkComponents(viewer, input.components);
    const now = this.deps.clock.now();
    const updated = await this.deps.stores
      .transaction(async (tx) => {
        const mix = await tx.mixes.updateMix(scope, input.id, {
          ...(input.name ? { name: input.name } : {}),
          ...(input.regime ? { regime: input.regime } : {}),
          ...(input.intendedUse ? { intendedUse: input.intendedUse } : {}),
          ...(input.targetRealFraction !== undefined ? { targetRealFraction: input.targetRealFraction } : {}),
          ...(input.suggestionSearch !== undefined ? { suggestionSearch: input.suggestionSearch } : {}),
          updatedAt: now,
        });
        if (!mix) throw new NotFoundError('No such training mix', { field: 'input.id' });
        if (input.components) await tx.mixes.replaceComponents(mix.id, input.components);
        await this.audit(tx, viewer, 'training_mix.updated', mix, { components: input.components?.length ?? null });
        return mix;
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err, 'training_mixes_org_name_key')) {
          throw new ConflictError(`input.name: your organization already has a mix named "${input.name}"`, { field: 'input.name' });
        }
        throw err;
      });
    this.deps.stores.mixes.componentsByMixId.clear(updated.id);
    this.computed.delete(updated.id);
    return updated;
  }

  /** The creator or an OWNER of the organization deletes a mix. */
  async delete(viewer: Viewer, raw: unknown): Promise<string> {
    const input = parseInput(DeleteTrainingMixInput, raw);
    const principal = viewer.assertAuthenticated();
    const scope = this.requireScope(viewer);
    const mix = await this.deps.stores.mixes.mixById(scope, input.id);
    if (!mix) throw new NotFoundError('No such training mix', { field: 'input.id' });
    if (mix.createdBy !== principal.userId && principal.orgRole !== 'OWNER') {
      throw new ForbiddenError('Only the mix’s creator or an owner of your organization may delete it');
    }
    await this.deps.stores.transaction(async (tx) => {
      if (!(await tx.mixes.deleteMix(scope, mix.id))) throw new NotFoundError('No such training mix', { field: 'input.id' });
      await this.audit(tx, viewer, 'training_mix.deleted', mix, { name: mix.name });
    });
    return mix.id;
  }

  // --- helpers -------------------------------------------------------------

  /** Mixes belong to an organization, so only its members' scope reads them (staff see none either). */
  private scope(viewer: Viewer): MixScope | null {
    return viewer.ownOrganizationScope();
  }

  /** Mixes belong to an organization: staff without one have none to build. */
  private requireScope(viewer: Viewer): MixScope {
    const scope = this.scope(viewer);
    if (!scope) throw new ForbiddenError('Training mixes belong to an organization; your key has none');
    return scope;
  }

  /** Each component is a published (or retracted: it is flagged) version the viewer can see, with rows it has. */
  private async checkComponents(viewer: Viewer, components: readonly { versionId: string; rows: number }[]): Promise<void> {
    for (const [i, c] of components.entries()) {
      const field = `input.components.${i}`;
      const version = await this.deps.catalog.version(viewer, c.versionId);
      if (!version) throw new BadUserInputError(`${field}.versionId: no dataset version ${c.versionId}`, `${field}.versionId`);
      if (version.status === 'DRAFT') {
        throw new BadUserInputError(
          `${field}.versionId: ${c.versionId} is a draft; only published versions go into a mix`,
          `${field}.versionId`,
        );
      }
      if (version.rowCount !== null && BigInt(c.rows) > version.rowCount) {
        throw new BadUserInputError(`${field}.rows: the version has only ${version.rowCount} rows`, `${field}.rows`);
      }
    }
  }

  private async audit(tx: Stores, viewer: Viewer, action: string, mix: TrainingMixRow, details: Record<string, unknown>): Promise<void> {
    await this.deps.audit.record(tx, viewer, {
      action,
      subjectType: 'TrainingMix',
      subjectId: mix.id,
      organizationIds: [mix.organizationId],
      details,
    });
  }

  /** The dataset's offers the caller may see (and so buy): never a private offer made to another organization. */
  private async offerFacts(viewer: Viewer, version: DatasetVersionRow, dataset: DatasetRow | undefined): Promise<OfferFacts[]> {
    if (!dataset) return [];
    const offers = (await this.deps.stores.offers.offersByDatasetId.load(dataset.id)).filter((o) => canSeeOffer(viewer, o, dataset));
    return offers.map((o) => ({
      id: o.id,
      active: o.active,
      terms: termsOf(o),
      coversVersion:
        o.versionScope === 'ALL' ||
        (o.versionScope === 'PINNED' && o.pinnedVersionIds.includes(version.id)) ||
        (o.versionScope === 'LATEST_AT_PURCHASE' && dataset.latestVersionId === version.id),
      pricingModel: o.pricingModel,
      currency: o.currency,
      amountCents: o.amountCents,
      usageUnit: o.usageUnit,
      unitAmountCents: o.unitAmountCents,
      includedUnits: o.includedUnits,
    }));
  }

  private async computeNow(viewer: Viewer, mix: TrainingMixRow): Promise<MixComputation> {
    // The licenses that cover components are the caller's own, whatever row is passed in.
    const scope = this.requireScope(viewer);
    if (scope.organizationId !== mix.organizationId) throw new NotFoundError('No such training mix');
    const rows = await this.deps.stores.mixes.componentsByMixId.load(mix.id);
    const versionIds = rows.map((r) => r.versionId);
    const intendedUse = mix.intendedUse as LicensePermission[];
    const now = this.deps.clock.now();
    // Every read below goes through a batched loader: one statement per kind of row for the whole mix.
    const versions = (await this.deps.stores.catalog.versionById.loadMany(versionIds)) as DatasetVersionRow[];
    const datasets = (await this.deps.stores.catalog.datasetById.loadMany(versions.map((v) => v.datasetId))) as DatasetRow[];
    const [summaries, provenances, retracted, licenses, coverage] = await Promise.all([
      Promise.all(versionIds.map((id) => sourceSummary(this.deps.stores, id, this.deps.risk))),
      this.deps.stores.lineage.provenanceByVersionId.loadMany(versionIds),
      this.deps.stores.lineage.retractedAncestorIds.loadMany(versionIds),
      this.deps.stores.mixes.activeLicenses(scope, now).loadMany(versionIds),
      Promise.all(versionIds.map((id) => this.deps.coverage.latestByAttribute(id))),
    ]);
    const facts: ComponentFacts[] = rows.map((r, i) => {
      const s = summaries[i]!;
      const p = provenances[i];
      const curation = p && !(p instanceof Error) ? p.curation : [];
      return {
        versionId: r.versionId,
        label: `"${datasets[i]!.title}" ${versions[i]!.version}`,
        rows: r.rows,
        generationDepth: s.generationDepth,
        realFraction: s.realFraction,
        humanReviewedFraction: s.humanReviewedFraction,
        inheritedTerms: s.inheritedTerms,
        attributions: [...s.attributions, ...(s.ownTerms.attributionRequired ? [s.attributionLabel] : [])],
        curated: curation.some((c) => c.kind === 'DEDUP' || c.kind === 'HUMAN_REVIEW') || s.humanReviewedFraction > 0,
        retracted: versions[i]!.status === 'RETRACTED',
        retractedAncestorIds: (retracted[i] as string[] | Error) instanceof Error ? [] : (retracted[i] as string[]),
      };
    });
    const metrics = mixMetrics(facts, intendedUse);
    const components = await Promise.all(
      rows.map(async (r, i): Promise<MixComponentView> => {
        const owned = datasets[i]!.vendorId === mix.organizationId;
        const held = licenses[i];
        const license = held && !(held instanceof Error) ? (held[0] ?? null) : null;
        const offer =
          owned || license
            ? null
            : cheapestOffer(await this.offerFacts(viewer, versions[i]!, datasets[i]), intendedUse, r.rows, sizeOf(versions[i]!));
        return {
          version: versions[i]!,
          dataset: datasets[i]!,
          rows: r.rows,
          share: metrics.shares[i]!,
          license,
          owned,
          cheapestOffer: offer,
        };
      }),
    );
    const losses = await this.minorityLosses(facts, datasets);
    const attributes = [...new Set(coverage.flatMap((m) => [...m.keys()]))].sort();
    return {
      mix,
      components,
      metrics,
      collapseRisk: mixCollapseRisk(mix.regime, metrics, facts, losses, this.deps.risk),
      coverage: attributes.map((a) =>
        mixCoverage(
          a,
          metrics.totalRows,
          rows.flatMap((r, i) => {
            const report = coverage[i]!.get(a);
            return report ? [{ rows: r.rows, groups: report.groups }] : [];
          }),
        ),
      ),
      retracted: components.filter((_c, i) => facts[i]!.retracted || facts[i]!.retractedAncestorIds.length > 0),
      unlicensable: components.filter((c) => !c.owned && !c.license && !c.cheapestOffer),
      licensingCost: totalsByCurrency(components.flatMap((c) => (c.cheapestOffer ? [c.cheapestOffer] : []))),
    };
  }

  /** Groups a synthetic or hybrid component lost or shrank against its sources, from its newest coverage reports. */
  private async minorityLosses(facts: readonly ComponentFacts[], datasets: readonly DatasetRow[]) {
    const out: { component: string; attribute: string; group: string; vanished: boolean }[] = [];
    for (const [i, f] of facts.entries()) {
      if (datasets[i]!.kind === 'REAL') continue;
      const version = (await this.deps.stores.catalog.versionById.load(f.versionId))!;
      for (const report of await this.deps.coverage.reports(version)) {
        const latest = (await this.deps.coverage.latestByAttribute(f.versionId)).get(report.row.attribute);
        if (latest?.id !== report.row.id) continue;
        for (const g of report.groups) {
          if (g.flag) out.push({ component: f.label, attribute: report.row.attribute, group: g.value, vanished: g.flag === 'VANISHED' });
        }
      }
    }
    return out;
  }
}

function sizeOf(version: DatasetVersionRow): { rowCount: number; byteSize: number } {
  return { rowCount: Number(version.rowCount ?? 0), byteSize: Number(version.byteSize ?? 0) };
}
