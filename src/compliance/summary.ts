/**
 * The public summary of training content (EU AI Act Art. 53(1)(d)) laid out as the AI Office's template of July 2025:
 * 1 general information, 2 data sources by kind, 3 data-processing aspects. Pure: the service gathers the facts.
 */
import type { LicenseTerms } from '../catalog/terms.js';
import type { CollectionMethod, ConsentBasis, CurationKind, GenerationMethod, SourceRole } from '../lineage/provenance.js';
import type { OptOutEvidence } from '../lineage/opt-out.js';
import type { OtherSourceKind, TrainingContentSummaryFacts } from './inputs.js';

export const SUMMARY_TEMPLATE =
  'EU AI Office, Explanatory Notice and Template for the Public Summary of Training Content for general-purpose AI models (July 2025)';

/** How an Assay component was obtained, in the template's terms. */
export type ComponentSourceKind = 'PUBLIC_DATASET' | 'COMMERCIALLY_LICENSED' | 'PRIVATE';

export interface SummaryLicense {
  id: string;
  offerName: string;
  pricingModel: string;
  startsAt: Date | null;
  expiresAt: Date | null;
  terms: LicenseTerms;
}

export interface SummaryComponent {
  versionId: string;
  datasetTitle: string;
  version: string;
  vendor: string;
  kind: 'REAL' | 'SYNTHETIC' | 'HYBRID';
  modality: string;
  rows: number;
  /** The component's bytes in proportion to the rows taken. */
  bytes: number;
  realFraction: number;
  generationDepth: number;
  sourceKind: ComponentSourceKind;
  /** Null for the buyer's own data. */
  license: SummaryLicense | null;
  inheritedTerms: LicenseTerms;
}

export interface SummaryVersionRef {
  versionId: string;
  label: string;
  vendor: string;
}

/** A model that generated rows somewhere in the mix's ancestry, and what it was given. */
export interface SummaryGenerator extends SummaryVersionRef {
  method: GenerationMethod;
  model: string | null;
  modelVersion: string | null;
  modelProvider: string | null;
  sources: (SummaryVersionRef & { role: SourceRole; rowsUsed: number })[];
}

export interface SummaryRealRoot extends SummaryVersionRef {
  collectionMethod: CollectionMethod | null;
  collectionDescription: string | null;
  consentBasis: ConsentBasis | null;
  webCollected: boolean;
  optOutEvidence: OptOutEvidence[];
}

export interface SummaryCurationStep extends SummaryVersionRef {
  kind: CurationKind;
  rowsIn: number;
  rowsOut: number;
  reviewedFraction: number | null;
  notes: string | null;
}

export interface SummaryFacts {
  generatedAt: Date;
  mix: { id: string; name: string; regime: string };
  buyer: TrainingContentSummaryFacts;
  components: SummaryComponent[];
  realFraction: number;
  realRows: number;
  totalRows: number;
  generators: SummaryGenerator[];
  realRoots: SummaryRealRoot[];
  curation: SummaryCurationStep[];
}

/** Curation kinds that remove unlawful or harmful content (template section 3.2). */
const ILLEGAL_CONTENT_KINDS: ReadonlySet<CurationKind> = new Set(['ILLEGAL_CONTENT_FILTER', 'TOXICITY_FILTER']);

/**
 * The template's size bands, counted in rows (Assay knows rows and bytes, not tokens).
 * @example sizeRange(25_000) // '1 thousand to 1 million rows'
 */
export function sizeRange(rows: number): string {
  if (rows < 1_000) return 'less than 1 thousand rows';
  if (rows < 1_000_000) return '1 thousand to 1 million rows';
  if (rows < 1_000_000_000) return '1 million to 1 billion rows';
  return 'more than 1 billion rows';
}

const round = (n: number, places = 4) => Math.round(n * 10 ** places) / 10 ** places;

const otherOf = (facts: SummaryFacts, kind: OtherSourceKind) =>
  facts.buyer.otherSources.filter((s) => s.kind === kind).map((s) => ({ name: s.name, description: s.description }));

function componentEntry(c: SummaryComponent) {
  return {
    versionId: c.versionId,
    dataset: c.datasetTitle,
    version: c.version,
    vendor: c.vendor,
    kind: c.kind,
    modality: c.modality,
    rows: c.rows,
    license: c.license
      ? {
          id: c.license.id,
          offer: c.license.offerName,
          pricingModel: c.license.pricingModel,
          startsAt: c.license.startsAt?.toISOString() ?? null,
          expiresAt: c.license.expiresAt?.toISOString() ?? null,
          terms: c.license.terms,
        }
      : null,
    inheritedTerms: c.inheritedTerms,
  };
}

/** The summary document (JSON); `toMarkdown` renders the same document. */
export function buildSummary(facts: SummaryFacts) {
  const { buyer } = facts;
  const byModality = new Map<string, { rows: number; bytes: number }>();
  for (const c of facts.components) {
    const m = byModality.get(c.modality) ?? { rows: 0, bytes: 0 };
    byModality.set(c.modality, { rows: m.rows + c.rows, bytes: m.bytes + c.bytes });
  }
  const synthetic = facts.components.filter((c) => c.kind !== 'REAL');
  const syntheticRows = facts.totalRows - facts.realRows;
  const web = facts.realRoots.filter((r) => r.webCollected);
  const reservations = web.flatMap((r) => r.optOutEvidence.filter((e) => e.reserved).map((e) => ({ versionId: r.versionId, ...e })));
  const missingEvidence = web.filter((r) => r.optOutEvidence.length === 0).map((r) => r.versionId);
  const of = (kind: ComponentSourceKind) => facts.components.filter((c) => c.sourceKind === kind).map(componentEntry);
  return {
    template: SUMMARY_TEMPLATE,
    generatedAt: facts.generatedAt.toISOString(),
    generatedBy: 'Assay',
    trainingMix: facts.mix,
    generalInformation: {
      provider: buyer.provider,
      model: { name: buyer.modelName, version: buyer.modelVersion },
      modalities: buyer.modalities,
      dataCollectionPeriod: { from: buyer.dataFrom.toISOString(), to: buyer.dataTo.toISOString() },
      trainingDataSize: [...byModality.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([modality, s]) => ({ modality, rows: s.rows, bytes: Math.round(s.bytes), sizeRange: sizeRange(s.rows) })),
      totalRows: facts.totalRows,
      realFraction: round(facts.realFraction),
      syntheticFraction: round(1 - facts.realFraction),
    },
    dataSources: {
      publicDatasets: { assay: of('PUBLIC_DATASET'), other: otherOf(facts, 'PUBLIC_DATASET') },
      commerciallyLicensed: { assay: of('COMMERCIALLY_LICENSED'), other: otherOf(facts, 'COMMERCIALLY_LICENSED') },
      otherPrivate: { assay: of('PRIVATE'), other: otherOf(facts, 'PRIVATE') },
      crawled: {
        byProvider: otherOf(facts, 'CRAWLED'),
        // Crawled by the vendors of licensed data, not by the provider: listed with the opt-out evidence they recorded.
        inLicensedData: web.map((r) => ({ versionId: r.versionId, dataset: r.label, vendor: r.vendor, optOutEvidence: r.optOutEvidence })),
      },
      userData: { other: otherOf(facts, 'USER_DATA') },
      synthetic: {
        rows: syntheticRows,
        share: round(facts.totalRows === 0 ? 0 : syntheticRows / facts.totalRows),
        components: synthetic.map((c) => ({
          versionId: c.versionId,
          dataset: c.datasetTitle,
          version: c.version,
          rows: c.rows,
          realFraction: round(c.realFraction),
          generationDepth: c.generationDepth,
        })),
        generators: facts.generators,
        other: otherOf(facts, 'SYNTHETIC'),
      },
      realDataOrigins: facts.realRoots.map((r) => ({
        versionId: r.versionId,
        dataset: r.label,
        vendor: r.vendor,
        collectionMethod: r.collectionMethod,
        collectionDescription: r.collectionDescription,
        consentBasis: r.consentBasis,
      })),
      other: otherOf(facts, 'OTHER'),
    },
    processing: {
      tdmOptOuts: {
        providerMeasures: buyer.tdmOptOutMeasures ?? null,
        webCollectedRealSources: web.length,
        withEvidence: web.length - missingEvidence.length,
        missingEvidence,
        reservationsFound: reservations,
      },
      illegalContentRemoval: {
        providerMeasures: buyer.illegalContentMeasures ?? null,
        steps: facts.curation.filter((s) => ILLEGAL_CONTENT_KINDS.has(s.kind)),
      },
      curation: facts.curation,
    },
  };
}
export type TrainingContentSummaryDocument = ReturnType<typeof buildSummary>;

/** Markdown-escapes text from users (titles, descriptions) so it cannot open links, headings or HTML. */
const md = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').replace(/([\\`*_[\]<>|#!~])/g, '\\$1');
const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;
const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const termsLine = (t: LicenseTerms) =>
  `${t.spdxId ? `${md(t.spdxId)}; ` : ''}commercial use ${yesNo(t.commercialUse)}, model training ${yesNo(t.modelTraining)}, derivatives ${yesNo(t.derivatives)}, synthetic generation ${yesNo(t.syntheticGeneration)}, redistribution ${yesNo(t.redistribution)}, attribution required ${yesNo(t.attributionRequired)}`;

type Listed = ReturnType<typeof componentEntry>;
const componentLines = (list: Listed[]) =>
  list.map(
    (c) =>
      `- **${md(c.dataset)}** ${md(c.version)} (\`${c.versionId}\`) from ${md(c.vendor)}: ${c.rows} rows, ${c.modality.toLowerCase()}` +
      (c.license
        ? `; license \`${c.license.id}\` under offer "${md(c.license.offer)}" (${c.license.pricingModel}${c.license.expiresAt ? `, until ${c.license.expiresAt}` : ''}); terms: ${termsLine(c.license.terms)}`
        : '; own data') +
      `; inherited terms: ${termsLine(c.inheritedTerms)}`,
  );
const otherLines = (list: { name: string; description: string }[]) => list.map((o) => `- ${md(o.name)}: ${md(o.description)}`);
const orNone = (lines: string[], none = 'None.') => (lines.length ? lines : [none]);

/** The document as Markdown a provider can publish, section by section as the template numbers them. */
export function toMarkdown(doc: TrainingContentSummaryDocument): string {
  const g = doc.generalInformation;
  const s = doc.dataSources;
  const p = doc.processing;
  const out: string[] = [
    `# Public summary of training content: ${md(g.model.name)} ${md(g.model.version)}`,
    '',
    `Prepared with Assay on ${doc.generatedAt} from training mix "${md(doc.trainingMix.name)}" (\`${doc.trainingMix.id}\`, ${doc.trainingMix.regime}), following the ${doc.template}.`,
    '',
    '## 1. General information',
    '',
    `- Provider: ${md(g.provider)}`,
    `- Model: ${md(g.model.name)}, version ${md(g.model.version)}`,
    `- Modalities: ${g.modalities.map((m) => m.toLowerCase()).join(', ')}`,
    `- Training data collected from ${g.dataCollectionPeriod.from} to ${g.dataCollectionPeriod.to}`,
    `- Size: ${g.totalRows} rows from Assay; ${pct(g.realFraction)} real records, ${pct(g.syntheticFraction)} synthetic`,
    ...g.trainingDataSize.map((t) => `  - ${t.modality.toLowerCase()}: ${t.sizeRange} (${t.rows} rows, about ${t.bytes} bytes)`),
    '',
    '## 2. List of data sources',
    '',
    '### 2.1 Publicly available datasets',
    '',
    ...orNone([...componentLines(s.publicDatasets.assay), ...otherLines(s.publicDatasets.other)]),
    '',
    '### 2.2 Private non-publicly available datasets obtained from third parties',
    '',
    '#### 2.2.1 Datasets commercially licensed by rightsholders or their representatives',
    '',
    ...orNone([...componentLines(s.commerciallyLicensed.assay), ...otherLines(s.commerciallyLicensed.other)]),
    '',
    '#### 2.2.2 Other private datasets',
    '',
    ...orNone([...componentLines(s.otherPrivate.assay), ...otherLines(s.otherPrivate.other)]),
    '',
    '### 2.3 Data crawled and scraped from online sources',
    '',
    ...orNone([
      ...otherLines(s.crawled.byProvider),
      ...s.crawled.inLicensedData.map(
        (r) =>
          `- In licensed data: ${md(r.dataset)} (\`${r.versionId}\`), collected from the web by ${md(r.vendor)}; opt-out signals checked: ${
            r.optOutEvidence.length
              ? r.optOutEvidence
                  .map(
                    (e) =>
                      `${e.signal} at ${md(e.url)} on ${e.checkedAt} read "${md(e.value)}" (sha-256 ${e.sha256})${e.reserved ? ', rights reserved' : ''}`,
                  )
                  .join('; ')
              : 'none recorded'
          }`,
      ),
    ]),
    '',
    '### 2.4 User data',
    '',
    ...orNone(otherLines(s.userData.other), 'None: no Assay component is user data of the provider.'),
    '',
    '### 2.5 Synthetic data',
    '',
    `${s.synthetic.rows} rows (${pct(s.synthetic.share)}) are synthetic.`,
    '',
    ...s.synthetic.components.map(
      (c) =>
        `- ${md(c.dataset)} ${md(c.version)} (\`${c.versionId}\`): ${c.rows} rows, ${pct(c.realFraction)} traced to real records, generation depth ${c.generationDepth}`,
    ),
    ...(s.synthetic.generators.length ? ['', 'Generator models and what they were given:', ''] : []),
    ...s.synthetic.generators.map(
      (gen) =>
        `- ${md(gen.label)} (\`${gen.versionId}\`, ${md(gen.vendor)}): ${gen.method}${gen.model ? ` with ${md([gen.modelProvider, gen.model, gen.modelVersion].filter(Boolean).join(' '))}` : ''}` +
        (gen.sources.length
          ? ` from ${gen.sources.map((src) => `${md(src.label)} (\`${src.versionId}\`, ${src.role}, ${src.rowsUsed} rows)`).join(', ')}`
          : ' with no source data'),
    ),
    ...otherLines(s.synthetic.other),
    '',
    '### 2.6 Other sources of data',
    '',
    ...orNone(otherLines(s.other)),
    '',
    'Real records behind the data, with how they were collected and on what basis:',
    '',
    ...orNone(
      s.realDataOrigins.map(
        (r) =>
          `- ${md(r.dataset)} (\`${r.versionId}\`, ${md(r.vendor)}): ${r.collectionMethod ?? 'collection method not recorded'}; consent basis ${r.consentBasis ?? 'not recorded'}${r.collectionDescription ? `. ${md(r.collectionDescription)}` : ''}`,
      ),
    ),
    '',
    '## 3. Data processing aspects',
    '',
    '### 3.1 Respect of reservation of rights from the text and data mining exception or limitation',
    '',
    ...(p.tdmOptOuts.providerMeasures ? [md(p.tdmOptOuts.providerMeasures), ''] : []),
    `${p.tdmOptOuts.webCollectedRealSources} real source(s) were collected from the web; ${p.tdmOptOuts.withEvidence} carry recorded opt-out evidence (robots.txt, TDMRep tdm-reservation, IETF AI preferences).` +
      (p.tdmOptOuts.reservationsFound.length
        ? ` ${p.tdmOptOuts.reservationsFound.length} signal(s) reserved rights.`
        : ' None reserved rights.'),
    '',
    '### 3.2 Removal of illegal content',
    '',
    ...(p.illegalContentRemoval.providerMeasures ? [md(p.illegalContentRemoval.providerMeasures), ''] : []),
    ...orNone(p.illegalContentRemoval.steps.map(stepLine), 'No filtering step for illegal content was recorded on the Assay data.'),
    '',
    '### 3.3 Curation applied',
    '',
    ...orNone(p.curation.map(stepLine)),
    '',
  ];
  return out.join('\n');
}

function stepLine(step: SummaryCurationStep): string {
  return `- ${step.kind} on ${md(step.label)} (\`${step.versionId}\`): ${step.rowsIn} → ${step.rowsOut} rows${
    step.reviewedFraction != null ? `, ${pct(step.reviewedFraction)} reviewed by people` : ''
  }${step.notes ? ` (${md(step.notes)})` : ''}`;
}
