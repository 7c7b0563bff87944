import { CompactSign } from 'jose';
import type { Viewer } from '../accounts/viewer.js';
import type { CatalogService } from '../catalog/service.js';
import { termsOf } from '../catalog/terms.js';
import type { Clock } from '../clock.js';
import type { CollapseRiskSettings } from '../config.js';
import type { DatasetRow, DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { Stores } from '../db/stores/index.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { sourceSummary } from '../lineage/freeze.js';
import { MAX_LINEAGE_DEPTH } from '../lineage/inputs.js';
import { isWebCollected } from '../lineage/opt-out.js';
import { generatesRows, type Provenance } from '../lineage/provenance.js';
import { LINEAGE_LIST_LIMIT } from '../lineage/service.js';
import type { MixesService } from '../mixes/service.js';
import { TOKEN_ALGORITHM, type SigningKeyRing } from '../tokens/signing-keys.js';
import { parseInput } from '../validation.js';
import { TrainingContentSummaryInput } from './inputs.js';
import {
  buildSummary,
  toMarkdown,
  type SummaryComponent,
  type SummaryCurationStep,
  type SummaryGenerator,
  type SummaryRealRoot,
  type SummaryVersionRef,
  type TrainingContentSummaryDocument,
} from './summary.js';

/** The JWS header's `typ`: what the signed payload is, so it is never mistaken for an access token. */
export const SUMMARY_JWS_TYPE = 'assay-training-summary+jws';

export interface TrainingContentSummaryView {
  document: TrainingContentSummaryDocument;
  markdown: string;
  /** Compact JWS (EdDSA, `kid` of the platform's signing key) over the document's JSON. */
  jws: string;
}

/** A component the summary cannot vouch for, and why. */
interface Refusal {
  versionId: string;
  reason: string;
}

/**
 * The EU AI Act training-content summary of a buyer's training mix, from what Assay knows of every component's
 * license and lineage plus the facts the buyer adds; signed with the platform's key so anyone can check it.
 * @example const { markdown, jws } = await compliance.trainingContentSummary(viewer, mixId, input);
 */
export class ComplianceService {
  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    private readonly catalog: CatalogService,
    private readonly mixes: MixesService,
    private readonly keyRing: SigningKeyRing,
    private readonly risk: CollapseRiskSettings,
  ) {}

  /**
   * Only members of the mix's organization get one (anyone else: NOT_FOUND). Refused (CONFLICT naming each component)
   * while any component is retracted or descends from a retracted version, or is neither the organization's own nor
   * covered by an ACTIVE license that permits model training, or inherits terms that forbid it.
   */
  async trainingContentSummary(viewer: Viewer, mixId: string, raw: unknown): Promise<TrainingContentSummaryView> {
    viewer.assertAuthenticated();
    const buyer = parseInput(TrainingContentSummaryInput, raw);
    const mix = await this.mixes.mix(viewer, mixId);
    // A mix is visible only to its own organization's members, whose scope it is.
    const scope = viewer.ownOrganizationScope();
    if (!mix || !scope) throw new NotFoundError('No such training mix', { field: 'mixId' });
    const computed = await this.mixes.compute(viewer, mix);
    const now = this.clock.now();
    const ids = computed.components.map((c) => c.version.id);
    const [summaries, licenses, retractedAncestors] = await Promise.all([
      Promise.all(ids.map((id) => sourceSummary(this.stores, id, this.risk))),
      this.stores.mixes.activeLicenses(scope, now).loadMany(ids),
      this.stores.lineage.retractedAncestorIds.loadMany(ids),
    ]);

    const refusals: Refusal[] = [];
    const components: SummaryComponent[] = [];
    for (const [i, c] of computed.components.entries()) {
      const label = `"${c.dataset.title}" ${c.version.version} (${c.version.id})`;
      const refuse = (reason: string) => refusals.push({ versionId: c.version.id, reason: `${label} ${reason}` });
      const held = licenses[i] instanceof Error ? [] : (licenses[i] as Exclude<(typeof licenses)[number], Error>);
      const training = held.find((l) => l.modelTraining) ?? null;
      const summary = summaries[i]!;
      if (c.version.status === 'RETRACTED') refuse('was retracted');
      const retracted = retractedAncestors[i];
      if (Array.isArray(retracted) && retracted.length > 0) refuse('descends from a retracted version');
      if (!c.owned && !training) refuse('is not covered by an ACTIVE license of your organization that permits model training');
      if (!summary.inheritedTerms.modelTraining) refuse('inherits terms from its ancestry that do not permit model training');
      const offer = training ? await this.stores.offers.offerById.load(training.offerId) : undefined;
      const rowCount = Number(c.version.rowCount ?? c.rows) || c.rows;
      components.push({
        versionId: c.version.id,
        datasetTitle: c.dataset.title,
        version: c.version.version,
        vendor: (await this.stores.accounts.organizationById.load(c.dataset.vendorId))?.name ?? c.dataset.vendorId,
        kind: c.dataset.kind,
        modality: c.dataset.modality,
        rows: c.rows,
        bytes: (Number(c.version.byteSize ?? 0) * c.rows) / rowCount,
        realFraction: summary.realFraction,
        generationDepth: summary.generationDepth,
        sourceKind: c.owned ? 'PRIVATE' : training?.pricingModel === 'FREE' ? 'PUBLIC_DATASET' : 'COMMERCIALLY_LICENSED',
        license: training
          ? {
              id: training.id,
              offerName: offer?.name ?? training.offerId,
              pricingModel: training.pricingModel,
              startsAt: training.startsAt,
              expiresAt: training.expiresAt,
              terms: termsOf(training),
            }
          : null,
        inheritedTerms: summary.inheritedTerms,
      });
    }
    if (refusals.length > 0) {
      throw new ConflictError(`The summary cannot vouch for every component: ${refusals.map((r) => r.reason).join('; ')}`, {
        field: 'mixId',
        components: refusals,
      });
    }

    const lineage = await this.ancestry(viewer, ids);
    const rootIds = [...new Set(summaries.flatMap((s) => s.realRootIds))].sort();
    const document = buildSummary({
      generatedAt: now,
      mix: { id: mix.id, name: mix.name, regime: mix.regime },
      buyer,
      components,
      realFraction: computed.metrics.realFraction,
      realRows: Number(computed.metrics.realRows),
      totalRows: Number(computed.metrics.totalRows),
      generators: lineage.generators,
      realRoots: await this.realRoots(viewer, rootIds),
      curation: lineage.curation,
    });
    const key = await this.keyRing.current();
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(document)))
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: SUMMARY_JWS_TYPE, cty: 'application/json' })
      .sign(key.privateKey);
    return { document, markdown: toMarkdown(document), jws };
  }

  /** Generators and curation steps of the components and every ancestor the viewer may see, components first. */
  private async ancestry(viewer: Viewer, componentIds: string[]) {
    const links = await this.stores.lineage.ancestors.loadMany(
      componentIds.map((versionId) => ({ versionId, maxDepth: MAX_LINEAGE_DEPTH, limit: LINEAGE_LIST_LIMIT })),
    );
    const ancestorIds = links.flatMap((l) => (l instanceof Error ? [] : l.map((a) => a.versionId)));
    const ids = [...new Set([...componentIds, ...ancestorIds])];
    const refs = await this.refs(viewer, ids);
    const provenances = await this.stores.lineage.provenanceByVersionId.loadMany(ids);
    const generators: SummaryGenerator[] = [];
    const curation: SummaryCurationStep[] = [];
    for (const [i, id] of ids.entries()) {
      const ref = refs.get(id);
      const p = provenances[i];
      if (!ref || !p || p instanceof Error) continue;
      if (ref.kind !== 'REAL' && p.method && generatesRows(p.method)) generators.push(await this.generator(viewer, ref, p));
      for (const step of p.curation) curation.push({ ...ref.ref, ...step });
    }
    return { generators, curation };
  }

  private async generator(viewer: Viewer, ref: { ref: SummaryVersionRef }, p: Provenance): Promise<SummaryGenerator> {
    const sourceRefs = await this.refs(
      viewer,
      p.sources.map((s) => s.versionId),
    );
    return {
      ...ref.ref,
      method: p.method!,
      model: p.generator?.model ?? null,
      modelVersion: p.generator?.version ?? null,
      modelProvider: p.generator?.provider ?? null,
      sources: p.sources.flatMap((s) => {
        const source = sourceRefs.get(s.versionId);
        return source ? [{ ...source.ref, role: s.role, rowsUsed: s.rowsUsed }] : [];
      }),
    };
  }

  private async realRoots(viewer: Viewer, ids: string[]): Promise<SummaryRealRoot[]> {
    const refs = await this.refs(viewer, ids);
    const [provenances, evidence] = await Promise.all([
      this.stores.lineage.provenanceByVersionId.loadMany(ids),
      this.stores.lineage.optOutEvidenceByVersionId.loadMany(ids),
    ]);
    return ids.flatMap((id, i) => {
      const ref = refs.get(id);
      if (!ref) return [];
      const p = provenances[i] instanceof Error ? undefined : (provenances[i] as Provenance | undefined);
      const found = evidence[i];
      return [
        {
          ...ref.ref,
          collectionMethod: p?.collectionMethod ?? null,
          collectionDescription: p?.collectionDescription ?? null,
          consentBasis: p?.consentBasis ?? null,
          webCollected: isWebCollected(ref.kind, p ?? null),
          optOutEvidence: Array.isArray(found) ? found : [],
        },
      ];
    });
  }

  /** Labels of the versions the viewer may see (a suspended ancestor's listing stays unnamed, as everywhere). */
  private async refs(viewer: Viewer, ids: readonly string[]): Promise<Map<string, { ref: SummaryVersionRef; kind: DatasetRow['kind'] }>> {
    const out = new Map<string, { ref: SummaryVersionRef; kind: DatasetRow['kind'] }>();
    const versions = await Promise.all(ids.map((id) => this.catalog.version(viewer, id)));
    for (const version of versions.filter((v): v is DatasetVersionRow => v !== null)) {
      const dataset = (await this.stores.catalog.datasetById.load(version.datasetId))!;
      const vendor = await this.stores.accounts.organizationById.load(dataset.vendorId);
      out.set(version.id, {
        ref: { versionId: version.id, label: `${dataset.title} ${version.version}`, vendor: vendor?.name ?? dataset.vendorId },
        kind: dataset.kind,
      });
    }
    return out;
  }
}
