/**
 * MLCommons Croissant 1.1 JSON-LD for a dataset version: license terms as an ODRL offer in `usageInfo`, provenance in
 * the Croissant RAI vocabulary and W3C PROV. Pure: the service gathers the rows, this maps them.
 */
import type { ColumnSpec } from '../db/tables/catalog.js';
import { percent, type LineageSummary } from './metrics.js';
import type { CollectionMethod, Provenance, SourceRole } from './provenance.js';
import type { LicenseTerms } from '../catalog/terms.js';
import { coverageStats, shares } from '../coverage/arithmetic.js';
import type { OptOutEvidence } from './opt-out.js';

export const CROISSANT_CONFORMS_TO = 'http://mlcommons.org/croissant/1.1';

/** The context a Croissant 1.1 document carries (spec appendix 1, as the published 1.1 documents write it), plus PROV and ODRL. */
export const CROISSANT_CONTEXT = {
  '@language': 'en',
  '@vocab': 'https://schema.org/',
  annotation: 'cr:annotation',
  arrayShape: 'cr:arrayShape',
  citeAs: 'cr:citeAs',
  column: 'cr:column',
  conformsTo: 'dct:conformsTo',
  containedIn: 'cr:containedIn',
  cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/',
  prov: 'http://www.w3.org/ns/prov#',
  odrl: 'http://www.w3.org/ns/odrl/2/',
  data: { '@id': 'cr:data', '@type': '@json' },
  dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  dct: 'http://purl.org/dc/terms/',
  equivalentProperty: 'cr:equivalentProperty',
  examples: { '@id': 'cr:examples', '@type': '@json' },
  excludes: 'cr:excludes',
  extract: 'cr:extract',
  field: 'cr:field',
  fileProperty: 'cr:fileProperty',
  fileObject: 'cr:fileObject',
  fileSet: 'cr:fileSet',
  format: 'cr:format',
  includes: 'cr:includes',
  isArray: 'cr:isArray',
  isLiveDataset: 'cr:isLiveDataset',
  jsonPath: 'cr:jsonPath',
  key: 'cr:key',
  md5: 'cr:md5',
  parentField: 'cr:parentField',
  path: 'cr:path',
  readLines: 'cr:readLines',
  recordSet: 'cr:recordSet',
  references: 'cr:references',
  regex: 'cr:regex',
  repeated: 'cr:repeated',
  replace: 'cr:replace',
  sc: 'https://schema.org/',
  sdVersion: 'cr:sdVersion',
  separator: 'cr:separator',
  source: 'cr:source',
  subField: 'cr:subField',
  transform: 'cr:transform',
  unArchive: 'cr:unArchive',
  value: 'cr:value',
} as const;

/** One coverage report as Croissant states it (the newest per attribute). */
export interface CroissantCoverage {
  attribute: string;
  attestedBy: string;
  attestation: string;
  groups: { value: string; count: number }[];
}

/** "language (attested by X, VENDOR): en 90% (900), fr 10% (100); smallest group 10%, imbalance 9:1, evenness 0.469" */
function coverageText(c: CroissantCoverage): string {
  const share = shares(c.groups);
  const stats = coverageStats(c.groups);
  const groups = c.groups.map((g) => `${g.value} ${percent(share.get(g.value)!)} (${g.count})`).join(', ');
  const imbalance = stats.imbalanceRatio === null ? 'unbounded (a group has no rows)' : `${Math.round(stats.imbalanceRatio * 100) / 100}:1`;
  const evenness = stats.evenness === null ? '' : `, evenness ${Math.round(stats.evenness * 1000) / 1000}`;
  return `Coverage of ${c.attribute} (attested by ${c.attestedBy}, ${c.attestation}): ${groups}; smallest group ${percent(stats.smallestGroupShare)}, imbalance ${imbalance}${evenness}`;
}

export interface CroissantInput {
  /** Absolute origin of this server, e.g. https://assay.example. */
  origin: string;
  dataset: {
    title: string;
    summary: string | null;
    description: string | null;
    kind: string;
    tags: string[];
    terms: LicenseTerms;
    fullSlug: string;
  };
  vendorName: string;
  version: {
    id: string;
    version: string;
    format: string | null;
    columns: ColumnSpec[];
    publishedAt: Date | null;
    status: string;
    manifestSha256: string | null;
  };
  files: { path: string; byteSize: bigint; sha256: string }[];
  provenance: Provenance | null;
  lineage: LineageSummary;
  sources: {
    versionId: string;
    role: SourceRole;
    rowsUsed: number;
    name: string | null;
    fullSlug: string | null;
    version: string | null;
  }[];
  /** The newest coverage report per attribute, carried in `rai:dataBiases`. */
  coverage: CroissantCoverage[];
  /** What the vendor read of opt-out signals while collecting (web-scraped REAL versions). */
  optOutEvidence: OptOutEvidence[];
}

/** Croissant RAI's recommended `dataCollectionType` values. */
const COLLECTION_TYPES: Record<CollectionMethod, string> = {
  SURVEY: 'Surveys',
  CROWDSOURCING: 'User-generated content data',
  WEB_SCRAPING: 'Web Scraping',
  WEB_API: 'Web API',
  DIRECT_MEASUREMENT: 'Direct measurement',
  EXPERIMENT: 'Experiments',
  INTERVIEWS: 'Focus groups',
  DOCUMENT_ANALYSIS: 'Document analysis',
  SOFTWARE_LOGS: 'Software Collection',
  USER_GENERATED_CONTENT: 'User-generated content data',
  MANUAL_CURATION: 'Manual Human Curator',
  OTHER: 'Others',
};

const ENCODINGS: Record<string, string> = {
  parquet: 'application/x-parquet',
  jsonl: 'application/jsonlines',
  ndjson: 'application/jsonlines',
  json: 'application/json',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  txt: 'text/plain',
  arrow: 'application/vnd.apache.arrow.file',
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  mp4: 'video/mp4',
  zip: 'application/zip',
  tar: 'application/x-tar',
  gz: 'application/gzip',
};

function encodingFormat(path: string, format: string | null): string {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  return ENCODINGS[ext] ?? (format ? ENCODINGS[format.toLowerCase()] : undefined) ?? 'application/octet-stream';
}

/** Column type names as vendors write them, to Croissant data types. */
function dataType(type: string): string {
  const t = type.toLowerCase();
  if (/^(u?int(8|16|32|64)?|integer|bigint|long|short)$/.test(t)) return 'sc:Integer';
  if (/^(float(16|32|64)?|double|decimal|number|real)$/.test(t)) return 'sc:Float';
  if (/^(bool|boolean)$/.test(t)) return 'sc:Boolean';
  if (t === 'date') return 'sc:Date';
  if (/^(datetime|timestamp)/.test(t)) return 'sc:DateTime';
  if (/image/.test(t)) return 'sc:ImageObject';
  if (/audio/.test(t)) return 'sc:AudioObject';
  if (/video/.test(t)) return 'sc:VideoObject';
  return 'sc:Text';
}

/** ODRL actions for each Assay permission; model training and synthetic generation are `use` for a stated purpose. */
const ODRL_ACTIONS: { permission: keyof Omit<LicenseTerms, 'spdxId' | 'attributionRequired'>; action: Record<string, unknown> }[] = [
  { permission: 'commercialUse', action: { '@id': 'odrl:commercialize', name: 'Commercial use' } },
  {
    permission: 'modelTraining',
    action: { '@id': 'odrl:use', name: 'Model training', 'odrl:refinement': purpose('train-ai') },
  },
  { permission: 'derivatives', action: { '@id': 'odrl:derive', name: 'Derivative datasets' } },
  {
    permission: 'syntheticGeneration',
    action: { '@id': 'odrl:use', name: 'Synthetic data generation', 'odrl:refinement': purpose('synthetic-data-generation') },
  },
  { permission: 'redistribution', action: { '@id': 'odrl:distribute', name: 'Redistribution' } },
];

function purpose(value: string): Record<string, unknown> {
  return {
    '@type': 'odrl:Constraint',
    'odrl:leftOperand': { '@id': 'odrl:purpose' },
    'odrl:operator': { '@id': 'odrl:eq' },
    'odrl:rightOperand': value,
  };
}

/**
 * `usageInfo`: what a licensee of the version may do, as an ODRL offer (Croissant 1.1 "Data Use Conditions"): the
 * inherited terms, i.e. the most restrictive over the whole ancestry, as permissions, prohibitions and duties.
 */
function usageInfo(url: string, vendorName: string, terms: LicenseTerms): Record<string, unknown> {
  const permitted = ODRL_ACTIONS.filter((a) => terms[a.permission]);
  const prohibited = ODRL_ACTIONS.filter((a) => !terms[a.permission]);
  const duty = terms.attributionRequired ? { 'odrl:duty': { '@type': 'odrl:Duty', 'odrl:action': { '@id': 'odrl:attribute' } } } : {};
  return {
    '@type': ['CreativeWork', 'odrl:Offer'],
    '@id': `${url}#usage`,
    name: 'License terms inherited through the lineage',
    'odrl:uid': `${url}#usage`,
    'odrl:target': { '@id': url },
    'odrl:assigner': { '@type': 'odrl:Party', name: vendorName },
    'odrl:permission': permitted.map((a) => ({ '@type': 'odrl:Permission', 'odrl:action': a.action, ...duty })),
    'odrl:prohibition': prohibited.map((a) => ({ '@type': 'odrl:Prohibition', 'odrl:action': a.action })),
  };
}

/** `rai:personalSensitiveInformation`: the basis personal records rest on and the scrubbing applied. */
function personalInformation(p: Provenance | null, synthetic: boolean): string[] {
  const out: string[] = [];
  if (p?.consentBasis === 'NOT_PERSONAL_DATA') out.push('The records contain no personal data.');
  else if (p?.consentBasis) out.push(`Records about people are held on the basis ${p.consentBasis.toLowerCase().replace(/_/g, ' ')}.`);
  for (const step of p?.curation.filter((c) => c.kind === 'PII_SCRUB') ?? []) {
    out.push(`Personal information scrubbed: ${step.rowsIn} → ${step.rowsOut} rows${step.notes ? ` (${step.notes})` : ''}.`);
  }
  if (synthetic) out.push('Synthetic rows may reproduce personal information present in their sources; see prov:wasDerivedFrom.');
  return out.length ? out : ['Not declared by the vendor.'];
}

function licenseOf(terms: LicenseTerms): unknown {
  if (terms.spdxId) return `https://spdx.org/licenses/${terms.spdxId}.html`;
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return {
    '@type': 'sc:CreativeWork',
    name: 'Assay license terms',
    description: `commercial use: ${yes(terms.commercialUse)}; model training: ${yes(terms.modelTraining)}; derivatives: ${yes(terms.derivatives)}; synthetic generation: ${yes(terms.syntheticGeneration)}; redistribution: ${yes(terms.redistribution)}; attribution required: ${yes(terms.attributionRequired)}`,
  };
}

/** Where a version's public description lives. */
export function versionUrl(origin: string, fullSlug: string, version: string): string {
  return `${origin}/datasets/${fullSlug}/versions/${encodeURIComponent(version)}`;
}

/**
 * The Croissant document of one version.
 * @example toCroissant({ origin: 'https://assay.example', dataset, vendorName, version, files, provenance, lineage, sources })
 */
export function toCroissant(input: CroissantInput): Record<string, unknown> {
  const { origin, dataset, version, files, provenance: p, lineage } = input;
  const url = versionUrl(origin, dataset.fullSlug, version.version);
  const distribution: Record<string, unknown>[] = files.map((f) => ({
    '@type': 'cr:FileObject',
    '@id': f.path,
    name: f.path,
    contentUrl: `${origin}/data/${version.id}/${f.path.split('/').map(encodeURIComponent).join('/')}`,
    contentSize: `${f.byteSize} B`,
    encodingFormat: encodingFormat(f.path, version.format),
    sha256: f.sha256,
  }));
  // One file is read directly; several files of a version are one set of records.
  const fileSource = files.length === 1 ? { fileObject: { '@id': files[0]!.path } } : { fileSet: { '@id': 'data-files' } };
  if (files.length > 1) {
    distribution.push({
      '@type': 'cr:FileSet',
      '@id': 'data-files',
      name: 'data-files',
      encodingFormat: encodingFormat(files[0]!.path, version.format),
      includes: files.map((f) => f.path),
    });
  }
  const recordSet = [
    {
      '@type': 'cr:RecordSet',
      '@id': 'records',
      name: 'records',
      field: version.columns.map((c) => ({
        '@type': 'cr:Field',
        '@id': `records/${c.name}`,
        name: c.name,
        ...(c.description ? { description: c.description } : {}),
        dataType: dataType(c.type),
        source: { ...fileSource, extract: { column: c.name } },
      })),
    },
  ];

  const synthetic = dataset.kind !== 'REAL';
  const collection: string[] = [];
  if (p?.collectionMethod)
    collection.push(
      `Real records collected by ${p.collectionMethod.toLowerCase().replace(/_/g, ' ')}${p.consentBasis ? ` (consent basis: ${p.consentBasis.toLowerCase().replace(/_/g, ' ')})` : ''}.`,
    );
  if (p?.collectionDescription) collection.push(p.collectionDescription);
  if (input.optOutEvidence.length) {
    collection.push(
      `Opt-out signals checked while collecting: ${input.optOutEvidence
        .map(
          (e) =>
            `${e.signal} at ${e.url} on ${e.checkedAt} read "${e.value}" (sha-256 ${e.sha256})${e.reserved ? ', rights reserved' : ''}`,
        )
        .join('; ')}.`,
    );
  }
  if (synthetic && p?.method) {
    const gen = p.generator ? ` with ${[p.generator.provider, p.generator.model, p.generator.version].filter(Boolean).join(' ')}` : '';
    collection.push(
      `Rows produced by ${p.method.toLowerCase().replace(/_/g, ' ')}${gen} from ${p.sources.length} source version(s); ${percent(lineage.realFraction)} of rows trace back to real records, generation depth ${lineage.generationDepth}.`,
    );
  }

  return {
    '@context': CROISSANT_CONTEXT,
    '@type': 'sc:Dataset',
    '@id': url,
    name: `${dataset.title} ${version.version}`,
    description: dataset.description ?? dataset.summary ?? dataset.title,
    conformsTo: CROISSANT_CONFORMS_TO,
    license: licenseOf(dataset.terms),
    usageInfo: usageInfo(url, input.vendorName, lineage.inheritedTerms),
    url,
    version: version.version,
    ...(version.publishedAt ? { datePublished: version.publishedAt.toISOString() } : {}),
    creator: { '@type': 'sc:Organization', name: input.vendorName },
    keywords: dataset.tags,
    isLiveDataset: false,
    citeAs: `${dataset.title} (version ${version.version}) by ${input.vendorName}. ${url}`,
    ...(version.manifestSha256 ? { sha256: version.manifestSha256 } : {}),
    distribution,
    recordSet,
    'rai:hasSyntheticData': synthetic,
    ...(collection.length ? { 'rai:dataCollection': collection.join(' ') } : {}),
    'rai:dataCollectionType': p?.collectionMethod
      ? [COLLECTION_TYPES[p.collectionMethod]]
      : synthetic
        ? ['Software Collection']
        : ['Others'],
    ...(p?.curation.length
      ? {
          'rai:dataPreprocessingProtocol': p.curation.map(
            (c) =>
              `${c.kind}: ${c.rowsIn} → ${c.rowsOut} rows${c.reviewedFraction != null ? `, ${percent(c.reviewedFraction)} reviewed` : ''}${c.notes ? ` (${c.notes})` : ''}`,
          ),
        }
      : {}),
    'rai:personalSensitiveInformation': personalInformation(p, synthetic),
    'rai:dataLimitations': `Collapse risk ${lineage.collapseRisk}: ${lineage.collapseReasons.join('; ')}`,
    ...(input.coverage.length ? { 'rai:dataBiases': input.coverage.map(coverageText) } : {}),
    ...(input.sources.length
      ? {
          'prov:wasDerivedFrom': input.sources.map((s) => ({
            '@id': s.fullSlug && s.version ? versionUrl(origin, s.fullSlug, s.version) : `${origin}/versions/${s.versionId}`,
            '@type': 'sc:Dataset',
            ...(s.name ? { name: s.name } : {}),
            identifier: s.versionId,
            description: `${s.role}: ${s.rowsUsed} rows used`,
          })),
        }
      : {}),
    ...(p?.method
      ? {
          'prov:wasGeneratedBy': {
            '@type': 'prov:Activity',
            name: p.method,
            ...(p.generator
              ? {
                  'prov:wasAssociatedWith': {
                    '@type': ['prov:SoftwareAgent', 'sc:SoftwareApplication'],
                    name: p.generator.model,
                    ...(p.generator.version ? { softwareVersion: p.generator.version } : {}),
                    ...(p.generator.provider ? { provider: { '@type': 'sc:Organization', name: p.generator.provider } } : {}),
                    ...(p.generator.parameters ? { description: JSON.stringify(p.generator.parameters) } : {}),
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}
