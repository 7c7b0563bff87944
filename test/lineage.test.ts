import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import {
  CREATE_VERSION,
  OPEN_TERMS,
  PUBLISH_VERSION,
  addMember,
  createDataset,
  expectError,
  ok,
  publishDataset,
  signUp,
  uploadFiles,
  versionInput,
  type Org,
} from './support/fixtures.js';

let app: TestApp;
let alpha: Org;
let beta: Org;
let buyer: Org;

/** Alpha's own real data: non-commercial, so everything derived from it inherits "no commercial use". */
const NON_COMMERCIAL = { ...OPEN_TERMS, spdxId: 'CC-BY-NC-4.0', commercialUse: false };
/** Open and attribution-free: anyone may derive from it. */
const CC0 = { ...OPEN_TERMS, spdxId: 'CC0-1.0', attributionRequired: false };
/** Not open: no derivatives, no synthetic generation. */
const PROPRIETARY = { ...OPEN_TERMS, spdxId: 'LicenseRef-Proprietary', derivatives: false, syntheticGeneration: false };
const TAG = 'lineage-calc';

const REAL_PROVENANCE = { collectionMethod: 'SURVEY', consentBasis: 'EXPLICIT_CONSENT', collectionDescription: 'Paid panel' };

const LINEAGE = `query($id: ID!, $maxDepth: Int) { datasetVersion(id: $id) { id status
  provenance { method realFraction generator { model } sources { versionId role rowsUsed version { id } } curation { kind rowsIn rowsOut reviewedFraction } collectionMethod consentBasis }
  lineage {
    generationDepth realFraction humanReviewedFraction
    ancestors(maxDepth: $maxDepth) { depth version { id } }
    descendants(maxDepth: $maxDepth) { depth version { id } }
    roots { id }
    inheritedTerms { spdxId commercialUse modelTraining derivatives syntheticGeneration redistribution attributionRequired }
    attributions
    retractedAncestors { id }
    collapseRisk { level reasons }
  } } }`;

async function lineageOf(id: string, key?: string, maxDepth?: number) {
  return ok(await app.gql(LINEAGE, { id, maxDepth }, key)).datasetVersion;
}

/** Publishes a one-version dataset for `vendor` and returns the version ID. */
async function publish(
  vendor: Org,
  dataset: { title: string; kind: 'REAL' | 'SYNTHETIC' | 'HYBRID'; terms?: Record<string, unknown>; tags?: string[] },
  provenance?: Record<string, unknown>,
): Promise<string> {
  const { versionId } = await publishDataset(
    app,
    vendor,
    { title: dataset.title, kind: dataset.kind, terms: dataset.terms ?? OPEN_TERMS, tags: dataset.tags ?? [TAG], modality: 'TEXT' },
    provenance ? { provenance } : {},
  );
  return versionId;
}

/** Creates a draft version (files uploaded) without publishing it. */
async function draft(vendor: Org, kind: string, provenance?: Record<string, unknown>, terms: Record<string, unknown> = OPEN_TERMS) {
  const datasetId = await createDataset(app, vendor, { kind, terms, tags: ['lineage-misc'] });
  const id = ok(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, provenance ? { provenance } : {}) }, vendor.key))
    .createDatasetVersion.datasetVersion.id as string;
  await uploadFiles(app, vendor.key, id);
  return { datasetId, id };
}

const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id).sort();
const links = (nodes: { depth: number; version: { id: string } }[]) =>
  nodes.map((n) => [n.version.id, n.depth] as const).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));

beforeAll(async () => {
  app = await startTestApp();
  [alpha, beta, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
});
afterAll(async () => {
  await app?.close();
});

describe('lineage arithmetic through the API', () => {
  // The graph (every number below is worked out by hand from README.md's formulas):
  //
  //   R1 (REAL, alpha, CC-BY-NC)      R2 (REAL, beta, CC0)
  //    |  \__________________           |      \
  //   S1 (1000 seed)    H1 (1000)     DR (R1 1000 + R2 3000)   SO (R2 500)
  //    |                 |  \           |
  //   S2 (S1 500)       H2 (H1 1000 + R1 1000)
  //    \_________________________________/
  //                  D (S1 600 + DR 200)          <- a diamond: S1 and DR share R1
  let r1: string, r2: string, s1: string, s2: string, h1: string, h2: string, dr: string, d: string, so: string;
  const label = (title: string, org: Org, spdx: string) => `${title} by Org ${org.slug} (${spdx})`;

  beforeAll(async () => {
    r1 = await publish(alpha, { title: 'Real reviews', kind: 'REAL', terms: NON_COMMERCIAL }, REAL_PROVENANCE);
    r2 = await publish(
      beta,
      { title: 'Forum posts', kind: 'REAL', terms: CC0 },
      { collectionMethod: 'WEB_API', consentBasis: 'PUBLIC_DATA' },
    );
    s1 = await publish(
      alpha,
      { title: 'Synthetic reviews', kind: 'SYNTHETIC' },
      {
        method: 'LLM_GENERATION',
        generator: { model: 'llama-3.1-70b', version: '2024-07', provider: 'Meta', parameters: { temperature: 0.8 } },
        sources: [{ versionId: r1, role: 'SEED', rowsUsed: '1000' }],
        curation: [
          { kind: 'DEDUP', rowsIn: '1000', rowsOut: '900' },
          { kind: 'HUMAN_REVIEW', rowsIn: '900', rowsOut: '900', reviewedFraction: 0.2 },
        ],
      },
    );
    s2 = await publish(
      alpha,
      { title: 'Synthetic reviews, second generation', kind: 'SYNTHETIC' },
      { method: 'LLM_GENERATION', generator: { model: 'llama-3.1-8b' }, sources: [{ versionId: s1, role: 'SEED', rowsUsed: '500' }] },
    );
    h1 = await publish(
      alpha,
      { title: 'Hybrid reviews', kind: 'HYBRID' },
      {
        method: 'LLM_GENERATION',
        generator: { model: 'gpt-4o' },
        sources: [{ versionId: r1, role: 'SEED', rowsUsed: '1000' }],
        realFraction: 0.5,
        curation: [{ kind: 'DEDUP', rowsIn: '2000', rowsOut: '1800' }],
      },
    );
    h2 = await publish(
      alpha,
      { title: 'Hybrid reviews, second generation', kind: 'HYBRID' },
      {
        method: 'LLM_GENERATION',
        generator: { model: 'gpt-4o' },
        sources: [
          { versionId: h1, role: 'SEED', rowsUsed: '1000' },
          { versionId: r1, role: 'SEED', rowsUsed: '1000' },
        ],
        realFraction: 0.5,
        curation: [{ kind: 'DEDUP', rowsIn: '2000', rowsOut: '1900' }],
      },
    );
    dr = await publish(
      alpha,
      { title: 'Augmented reviews and posts', kind: 'HYBRID' },
      {
        method: 'AUGMENTATION',
        sources: [
          { versionId: r1, role: 'SEED', rowsUsed: '1000' },
          { versionId: r2, role: 'SEED', rowsUsed: '3000' },
        ],
        realFraction: 0.6,
        curation: [
          { kind: 'HUMAN_REVIEW', rowsIn: '4000', rowsOut: '4000', reviewedFraction: 0.5 },
          { kind: 'DEDUP', rowsIn: '4000', rowsOut: '3800' },
        ],
      },
    );
    d = await publish(
      alpha,
      { title: 'Distilled reviews', kind: 'SYNTHETIC' },
      {
        method: 'DISTILLATION',
        generator: { model: 'student-1b', provider: 'Alpha' },
        sources: [
          { versionId: s1, role: 'SEED', rowsUsed: '600' },
          { versionId: dr, role: 'SEED', rowsUsed: '200' },
        ],
        realFraction: 0.25,
        curation: [
          { kind: 'DEDUP', rowsIn: '1000', rowsOut: '800' },
          { kind: 'HUMAN_REVIEW', rowsIn: '800', rowsOut: '800', reviewedFraction: 0.1 },
        ],
      },
    );
    so = await publish(
      alpha,
      { title: 'Rule-based posts', kind: 'SYNTHETIC' },
      {
        method: 'RULE_BASED',
        sources: [{ versionId: r2, role: 'SEED', rowsUsed: '500' }],
        curation: [{ kind: 'DEDUP', rowsIn: '500', rowsOut: '450' }],
      },
    );
  });

  it('gives a real root depth 0, everything real, its own terms and no ancestors', async () => {
    const v = await lineageOf(r1, buyer.key);
    expect(v.provenance).toMatchObject({ collectionMethod: 'SURVEY', consentBasis: 'EXPLICIT_CONSENT', sources: [] });
    expect(v.lineage).toMatchObject({
      generationDepth: 0,
      realFraction: 1,
      humanReviewedFraction: 0,
      ancestors: [],
      roots: [{ id: r1 }],
      inheritedTerms: NON_COMMERCIAL,
      attributions: [],
      retractedAncestors: [],
      collapseRisk: { level: 'LOW', reasons: ['Real records: no synthetic generation in its ancestry'] },
    });
  });

  it('computes a first generation: depth 1, no real rows, the review it had, the terms of its seed', async () => {
    const v = await lineageOf(s1, buyer.key);
    expect(v.provenance.sources).toEqual([{ versionId: r1, role: 'SEED', rowsUsed: '1000', version: { id: r1 } }]);
    expect(v.provenance.curation[1]).toEqual({ kind: 'HUMAN_REVIEW', rowsIn: '900', rowsOut: '900', reviewedFraction: 0.2 });
    // depth = 1 + depth(R1) = 1 + 0 = 1
    expect(v.lineage.generationDepth).toBe(1);
    // realFraction = carried 0 (not declared) × W = 0
    expect(v.lineage.realFraction).toBe(0);
    // humanReviewed = 0.2 + (1 − 0.2) × carried 0 × ... = 0.2
    expect(v.lineage.humanReviewedFraction).toBeCloseTo(0.2, 12);
    // Own CC-BY ∧ R1 CC-BY-NC: commercial use does not survive, and two different licenses leave no single SPDX id.
    expect(v.lineage.inheritedTerms).toEqual({ ...OPEN_TERMS, spdxId: null, commercialUse: false });
    expect(v.lineage.attributions).toEqual([label('Real reviews', alpha, 'CC-BY-NC-4.0')]);
    expect(links(v.lineage.ancestors)).toEqual([[r1, 1]]);
    expect(v.lineage.collapseRisk).toEqual({
      level: 'LOW',
      reasons: ['One generation from its sources, 0% real records', '20% of rows human-reviewed'],
    });
  });

  it('scores a synthetic-from-synthetic chain that replaced the real data HIGH', async () => {
    const v = await lineageOf(s2, buyer.key);
    // depth = 1 + depth(S1) = 2; realFraction = 0 × W = 0; humanReviewed = 0 + 1 × 0 × ... = 0
    expect(v.lineage).toMatchObject({ generationDepth: 2, realFraction: 0, humanReviewedFraction: 0, roots: [{ id: r1 }] });
    expect(links(v.lineage.ancestors)).toEqual([
      [s1, 1],
      [r1, 2],
    ]);
    // Attributions: S1's own label (CC-BY requires it) plus what S1 owed (R1).
    expect(v.lineage.attributions).toEqual(
      [label('Real reviews', alpha, 'CC-BY-NC-4.0'), label('Synthetic reviews', alpha, 'CC-BY-4.0')].sort(),
    );
    expect(v.lineage.collapseRisk.level).toBe('HIGH');
    expect(v.lineage.collapseRisk.reasons).toEqual([
      '2 generations of synthetic data with only 0% real records: generated data that replaced the real data degrades with every generation',
      'Neither deduplicated nor human-reviewed: repeated and hallucinated rows go unchecked',
    ]);
  });

  it('keeps a chain that mixes real data back in stable', async () => {
    const one = await lineageOf(h1, buyer.key);
    // depth 1; realFraction = 0.5 × W(R1 1000 × 1 / 1000 = 1) = 0.5
    expect(one.lineage).toMatchObject({ generationDepth: 1, realFraction: 0.5, humanReviewedFraction: 0 });
    const two = await lineageOf(h2, buyer.key);
    // depth = 1 + max(depth H1 = 1, depth R1 = 0) = 2
    // W = (1000 × 0.5 + 1000 × 1) / 2000 = 0.75; realFraction = 0.5 × 0.75 = 0.375
    expect(two.lineage.generationDepth).toBe(2);
    expect(two.lineage.realFraction).toBeCloseTo(0.375, 12);
    // R1 is a parent (depth 1) and a grandparent through H1 (depth 2): the shortest path wins, one row.
    expect(links(two.lineage.ancestors)).toEqual(
      [
        [h1, 1],
        [r1, 1],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(two.lineage.collapseRisk).toEqual({
      level: 'LOW',
      reasons: [
        '2 generations deep, but 37.5% real records kept mixed in: accumulating real data keeps repeated generation stable',
        'No human review anywhere in its lineage',
      ],
    });
  });

  it('computes a diamond: two parents sharing a grandparent, each ancestor once at its shortest depth', async () => {
    const right = await lineageOf(dr, buyer.key);
    // depth 1; W = (1000 × 1 + 3000 × 1) / 4000 = 1; realFraction = 0.6 × 1 = 0.6
    // humanReviewed = 0.5 + (1 − 0.5) × 0.6 × Wh(0) = 0.5
    expect(right.lineage).toMatchObject({ generationDepth: 1, realFraction: 0.6, humanReviewedFraction: 0.5 });
    // Own CC-BY ∧ R1 CC-BY-NC ∧ R2 CC0: commercial use lost to R1, attribution required by R1, SPDX mixed.
    expect(right.lineage.inheritedTerms).toEqual({ ...OPEN_TERMS, spdxId: null, commercialUse: false });
    // R2 (CC0) asks for no attribution; R1 does.
    expect(right.lineage.attributions).toEqual([label('Real reviews', alpha, 'CC-BY-NC-4.0')]);

    const v = await lineageOf(d, buyer.key);
    // depth = 1 + max(S1 = 1, DR = 1) = 2
    expect(v.lineage.generationDepth).toBe(2);
    // W = (600 × 0 + 200 × 0.6) / 800 = 0.15; realFraction = 0.25 × 0.15 = 0.0375
    expect(v.lineage.realFraction).toBeCloseTo(0.0375, 12);
    // Wh = (600 × 0.2 + 200 × 0.5) / 800 = 0.275; humanReviewed = 0.1 + 0.9 × 0.25 × 0.275 = 0.161875
    expect(v.lineage.humanReviewedFraction).toBeCloseTo(0.161875, 12);
    // R1 is reached through S1 and through DR, both two generations up: listed once.
    expect(links(v.lineage.ancestors)).toEqual(
      [
        [s1, 1],
        [dr, 1],
        [r1, 2],
        [r2, 2],
      ].sort((a, b) => Number(a[1]) - Number(b[1]) || String(a[0]).localeCompare(String(b[0]))),
    );
    expect(links(v.lineage.ancestors).filter(([id]) => id === r1)).toHaveLength(1);
    expect(ids(v.lineage.roots)).toEqual([r1, r2].sort());
    expect(v.lineage.inheritedTerms).toEqual({ ...OPEN_TERMS, spdxId: null, commercialUse: false });
    expect(v.lineage.attributions).toEqual(
      [
        label('Augmented reviews and posts', alpha, 'CC-BY-4.0'),
        label('Real reviews', alpha, 'CC-BY-NC-4.0'),
        label('Synthetic reviews', alpha, 'CC-BY-4.0'),
      ].sort(),
    );
    // 3.75% real two generations deep: the real data was replaced.
    expect(v.lineage.collapseRisk).toEqual({
      level: 'HIGH',
      reasons: [
        '2 generations of synthetic data with only 3.8% real records: generated data that replaced the real data degrades with every generation',
        '16.2% of rows human-reviewed',
      ],
    });
    // maxDepth limits the walk; descendants go the other way.
    expect(links((await lineageOf(d, buyer.key, 1)).lineage.ancestors)).toEqual(
      [
        [s1, 1],
        [dr, 1],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const root = await lineageOf(r1, buyer.key);
    expect(links(root.lineage.descendants)).toEqual(
      [
        [s1, 1],
        [h1, 1],
        [h2, 1],
        [dr, 1],
        [s2, 2],
        [d, 2],
      ].sort((a, b) => Number(a[1]) - Number(b[1]) || String(a[0]).localeCompare(String(b[0]))),
    );
    expect(links((await lineageOf(r1, buyer.key, 1)).lineage.descendants).map(([id]) => id)).toEqual([s1, h1, h2, dr].sort());
  });

  it('inherits the terms of an open source from another vendor', async () => {
    const v = await lineageOf(so, buyer.key);
    // Own CC-BY ∧ R2 CC0: every permission survives, attribution from its own CC-BY, SPDX mixed.
    expect(v.lineage.inheritedTerms).toEqual({ ...OPEN_TERMS, spdxId: null });
    expect(v.lineage.attributions).toEqual([]);
    expect(v.lineage.generationDepth).toBe(1);
  });

  it('refuses maxDepth outside 1..50', async () => {
    for (const maxDepth of [0, 51, -1]) {
      expectError(await app.gql(LINEAGE, { id: d, maxDepth }, buyer.key), 'BAD_USER_INPUT', 'maxDepth');
    }
  });

  it('filters the catalog on depth, real fraction and permissions through the ancestry', async () => {
    const titles = async (filter: Record<string, unknown>) =>
      (
        ok(
          await app.gql(
            `query($f: DatasetFilter) { datasets(filter: $f, first: 100, orderBy: TITLE) { nodes { title } } }`,
            { f: { tags: [TAG], ...filter } },
            buyer.key,
          ),
        ).datasets.nodes as { title: string }[]
      ).map((n) => n.title);
    // Depths: R1 0, R2 0, S1 1, H1 1, DR 1, SO 1, S2 2, H2 2, D 2.
    expect(await titles({ maxGenerationDepth: 0 })).toEqual(['Forum posts', 'Real reviews']);
    expect(await titles({ maxGenerationDepth: 1 })).toEqual([
      'Augmented reviews and posts',
      'Forum posts',
      'Hybrid reviews',
      'Real reviews',
      'Rule-based posts',
      'Synthetic reviews',
    ]);
    // Real fractions: R1 1, R2 1, DR 0.6, H1 0.5, H2 0.375, D 0.0375, S1 0, S2 0, SO 0.
    expect(await titles({ minRealFraction: 0.5 })).toEqual([
      'Augmented reviews and posts',
      'Forum posts',
      'Hybrid reviews',
      'Real reviews',
    ]);
    expect(await titles({ minRealFraction: 0.3, maxGenerationDepth: 2 })).toEqual([
      'Augmented reviews and posts',
      'Forum posts',
      'Hybrid reviews',
      'Hybrid reviews, second generation',
      'Real reviews',
    ]);
    // Everything with R1 upstream lost commercial use; R2 and what derives only from it keep it.
    expect(await titles({ inheritedPermissions: ['COMMERCIAL_USE', 'MODEL_TRAINING'] })).toEqual(['Forum posts', 'Rule-based posts']);
    expect(await titles({ inheritedPermissions: ['NO_ATTRIBUTION'] })).toEqual(['Forum posts']);
    // The dataset's own terms say commercial use for all but R1: the plain filter cannot see the ancestry.
    expect(await titles({ permissions: ['COMMERCIAL_USE'], maxGenerationDepth: 1 })).toHaveLength(5);
    expectError(await app.gql(`{ datasets(filter: { minRealFraction: 1.5 }) { totalCount } }`), 'BAD_USER_INPUT', 'filter.minRealFraction');
    expectError(
      await app.gql(`{ datasets(filter: { maxGenerationDepth: -1 }) { totalCount } }`),
      'BAD_USER_INPUT',
      'filter.maxGenerationDepth',
    );
  });

  it('lists lineage for a page of versions in a constant number of statements', async () => {
    const page = (first: number) =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${buyer.key}` },
        body: JSON.stringify({
          query: `query($f: DatasetFilter, $n: Int) { datasets(filter: $f, first: $n, orderBy: TITLE) { nodes { latestVersion { id
            lineage { generationDepth ancestors { depth version { id } } descendants { depth version { id } } roots { id } retractedAncestors { id } collapseRisk { level } } } } } }`,
          variables: { f: { tags: [TAG] }, n: first },
        }),
      });
    const small = await page(2);
    const large = await page(9);
    const body = (await large.json()) as { data: { datasets: { nodes: unknown[] } } };
    expect(body.data.datasets.nodes).toHaveLength(9);
    // Batched per field, not per version: nine versions cost no more than two (fewer here, as their ancestors are already loaded).
    expect(Number(large.headers.get('x-sql-statements'))).toBeLessThanOrEqual(Number(small.headers.get('x-sql-statements')));
    expect(Number(small.headers.get('x-sql-statements'))).toBeLessThanOrEqual(12);
  });

  it('exports Croissant JSON-LD with the required fields and the provenance', async () => {
    const { croissant } = ok(
      await app.gql(`query($id: ID!) { datasetVersion(id: $id) { croissant } }`, { id: d }, buyer.key),
    ).datasetVersion;
    expect(croissant['@context']).toMatchObject({
      '@vocab': 'https://schema.org/',
      sc: 'https://schema.org/',
      cr: 'http://mlcommons.org/croissant/',
      rai: 'http://mlcommons.org/croissant/RAI/',
      dct: 'http://purl.org/dc/terms/',
      prov: 'http://www.w3.org/ns/prov#',
      conformsTo: 'dct:conformsTo',
      recordSet: 'cr:recordSet',
      field: 'cr:field',
      source: 'cr:source',
      extract: 'cr:extract',
      fileObject: 'cr:fileObject',
      fileSet: 'cr:fileSet',
      dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
    });
    expect(croissant['@type']).toBe('sc:Dataset');
    expect(croissant.conformsTo).toBe('http://mlcommons.org/croissant/1.1');
    expect(croissant.name).toBe('Distilled reviews 1.0.0');
    expect(typeof croissant.description).toBe('string');
    expect(croissant.license).toBe('https://spdx.org/licenses/CC-BY-4.0.html');
    expect(croissant.url).toMatch(new RegExp(`^${app.url}/datasets/${alpha.slug}/`));
    expect(croissant.distribution).toEqual([
      expect.objectContaining({
        '@type': 'cr:FileObject',
        '@id': 'data/train.jsonl',
        contentUrl: `${app.url}/data/${d}/data/train.jsonl`,
        encodingFormat: 'application/jsonlines',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    expect(croissant.recordSet).toEqual([
      expect.objectContaining({
        '@type': 'cr:RecordSet',
        field: [
          expect.objectContaining({
            '@type': 'cr:Field',
            name: 'id',
            dataType: 'sc:Text',
            source: { fileObject: { '@id': 'data/train.jsonl' }, extract: { column: 'id' } },
          }),
          expect.objectContaining({ '@type': 'cr:Field', name: 'text', dataType: 'sc:Text' }),
        ],
      }),
    ]);
    expect(croissant['rai:hasSyntheticData']).toBe(true);
    expect(croissant['rai:dataCollection']).toContain('distillation with Alpha student-1b');
    expect(croissant['rai:dataPreprocessingProtocol']).toEqual(['DEDUP: 1000 → 800 rows', 'HUMAN_REVIEW: 800 → 800 rows, 10% reviewed']);
    expect(croissant['prov:wasDerivedFrom'].map((s: { identifier: string }) => s.identifier)).toEqual([s1, dr]);
    expect(croissant['prov:wasGeneratedBy']).toMatchObject({
      '@type': 'prov:Activity',
      name: 'DISTILLATION',
      'prov:wasAssociatedWith': { name: 'student-1b' },
    });
    // A REAL version records its collection in RAI terms.
    const real = ok(await app.gql(`query($id: ID!) { datasetVersion(id: $id) { croissant } }`, { id: r1 })).datasetVersion.croissant;
    expect(real['rai:hasSyntheticData']).toBe(false);
    expect(real['rai:dataCollectionType']).toEqual(['Surveys']);
    expect(real).not.toHaveProperty('prov:wasDerivedFrom');
  });
});

describe('publishing checks the claim', () => {
  let open: string;
  let closed: string;
  beforeAll(async () => {
    open = await publish(beta, { title: 'Open corpus', kind: 'REAL', terms: CC0, tags: ['lineage-misc'] });
    closed = await publish(beta, { title: 'Licensed corpus', kind: 'REAL', terms: PROPRIETARY, tags: ['lineage-misc'] });
  });

  const seedOf = (versionId: string) => ({ method: 'SIMULATION', sources: [{ versionId, role: 'SEED', rowsUsed: '10' }] });

  /** createDatasetVersion with `provenance`, on a fresh dataset: the raw answer, so a refusal can be asserted. */
  const createDraft = async (vendor: Org, provenance: Record<string, unknown>) => {
    const datasetId = await createDataset(app, vendor, { kind: 'SYNTHETIC', terms: OPEN_TERMS, tags: ['lineage-misc'] });
    return app.gql(CREATE_VERSION, { input: versionInput(datasetId, { provenance }) }, vendor.key);
  };
  const UPDATE_VERSION = `mutation($input: UpdateDatasetVersionInput!) { updateDatasetVersion(input: $input) { datasetVersion { id } } }`;

  it('refuses a source the vendor has no right to when the draft is written, naming it, and accepts one whose terms are open', async () => {
    const both = {
      method: 'SIMULATION',
      sources: [
        { versionId: open, role: 'SEED', rowsUsed: '10' },
        { versionId: closed, role: 'REFERENCE', rowsUsed: '5' },
      ],
    };
    // Before any file is uploaded: createDatasetVersion and updateDatasetVersion check the rights at once.
    expectError(await createDraft(alpha, both), 'FORBIDDEN', 'input.provenance.sources.1.versionId');
    const allowed = await draft(alpha, 'SYNTHETIC', seedOf(open));
    expectError(
      await app.gql(UPDATE_VERSION, { input: { id: allowed.id, provenance: both } }, alpha.key),
      'FORBIDDEN',
      'input.provenance.sources.1.versionId',
    );
    // Nothing was recorded by the refusals.
    expect((await lineageOf(open, buyer.key)).lineage.descendants).toEqual([]);
    ok(await app.gql(PUBLISH_VERSION, { id: allowed.id }, alpha.key));
    // Beta owns the licensed corpus, so beta may derive from it.
    const own = await draft(beta, 'SYNTHETIC', seedOf(closed));
    ok(await app.gql(PUBLISH_VERSION, { id: own.id }, beta.key));
  });

  it('accepts a source that is not open once the vendor holds an ACTIVE license permitting derivation, and publish checks again', async () => {
    // Derivatives and synthetic generation allowed, but not under an open SPDX license: a license is needed.
    const LICENSED = { ...OPEN_TERMS, spdxId: 'LicenseRef-Proprietary', redistribution: false };
    const source = await publishDataset(app, beta, { kind: 'REAL', terms: LICENSED, tags: ['lineage-misc'] });
    expectError(await createDraft(alpha, seedOf(source.versionId)), 'FORBIDDEN', 'input.provenance.sources.0.versionId');
    const offerId = await createOffer(app, beta, source.datasetId, { terms: LICENSED });
    const license = ok(await purchase(app, alpha, offerId)).purchaseLicense.license;
    expect(license.status).toBe('ACTIVE');
    const v = await draft(alpha, 'SYNTHETIC', seedOf(source.versionId));
    const later = await draft(alpha, 'SYNTHETIC', seedOf(source.versionId));
    ok(await app.gql(PUBLISH_VERSION, { id: v.id }, alpha.key));
    // Own CC-BY ∧ the licensed terms: no redistribution downstream either.
    expect((await lineageOf(v.id, buyer.key)).lineage.inheritedTerms).toEqual({ ...OPEN_TERMS, spdxId: null, redistribution: false });
    // The license ended after the second draft was written: its publish is refused.
    ok(await app.gql(`mutation($id: ID!) { cancelLicense(input: { id: $id }) { license { status } } }`, { id: license.id }, alpha.key));
    expectError(await app.gql(PUBLISH_VERSION, { id: later.id }, alpha.key), 'FORBIDDEN', 'input.provenance.sources.0.versionId');
  });

  it('refuses a non-existent, draft or retracted source with the field named', async () => {
    expectError(await createDraft(alpha, seedOf('dsv_00000000000000000000000000')), 'NOT_FOUND', 'input.provenance.sources.0.versionId');

    // One's own draft may be cited while drafting; it must be published first.
    const ownDraft = await draft(alpha, 'REAL');
    const citesOwnDraft = await draft(alpha, 'SYNTHETIC', seedOf(ownDraft.id));
    expectError(
      await app.gql(PUBLISH_VERSION, { id: citesOwnDraft.id }, alpha.key),
      'BAD_USER_INPUT',
      'input.provenance.sources.0.versionId',
    );

    // Another vendor's draft does not exist as far as alpha can tell.
    const betaDraft = await draft(beta, 'REAL', undefined, CC0);
    expectError(await createDraft(alpha, seedOf(betaDraft.id)), 'NOT_FOUND', 'input.provenance.sources.0.versionId');

    const doomed = await publish(alpha, { title: 'Doomed', kind: 'REAL', tags: ['lineage-misc'] });
    ok(await app.gql(RETRACT, { input: { id: doomed, reason: 'PII' } }, alpha.key));
    expectError(await createDraft(alpha, seedOf(doomed)), 'BAD_USER_INPUT', 'input.provenance.sources.0.versionId');
  });

  it('cannot form a cycle: a version cannot cite itself, and two drafts citing each other never publish', async () => {
    const a = await draft(alpha, 'SYNTHETIC', { method: 'SIMULATION' });
    const b = await draft(alpha, 'SYNTHETIC', seedOf(a.id));
    const UPDATE = `mutation($input: UpdateDatasetVersionInput!) { updateDatasetVersion(input: $input) { datasetVersion { id } } }`;
    expectError(
      await app.gql(
        UPDATE,
        { input: { id: a.id, provenance: { method: 'SIMULATION', sources: [{ versionId: a.id, role: 'SEED', rowsUsed: '1' }] } } },
        alpha.key,
      ),
      'BAD_USER_INPUT',
      'input.provenance.sources.0.versionId',
    );
    ok(await app.gql(UPDATE, { input: { id: a.id, provenance: seedOf(b.id) } }, alpha.key));
    expectError(await app.gql(PUBLISH_VERSION, { id: a.id }, alpha.key), 'BAD_USER_INPUT', 'input.provenance.sources.0.versionId');
    expectError(await app.gql(PUBLISH_VERSION, { id: b.id }, alpha.key), 'BAD_USER_INPUT', 'input.provenance.sources.0.versionId');
    // Published versions are immutable, provenance included.
    ok(await app.gql(UPDATE, { input: { id: a.id, provenance: { method: 'SIMULATION' } } }, alpha.key));
    ok(await app.gql(PUBLISH_VERSION, { id: a.id }, alpha.key));
    expectError(await app.gql(UPDATE, { input: { id: a.id, provenance: seedOf(b.id) } }, alpha.key), 'CONFLICT', 'input.id');
  });

  it('requires complete provenance for SYNTHETIC and HYBRID, and collection details for REAL', async () => {
    const cases: [string, Record<string, unknown> | undefined, string][] = [
      ['SYNTHETIC', undefined, 'provenance'],
      ['SYNTHETIC', { sources: [] }, 'provenance.method'],
      ['SYNTHETIC', { method: 'LLM_GENERATION' }, 'provenance.generator'],
      ['SYNTHETIC', { method: 'HUMAN_COLLECTION' }, 'provenance.method'],
      ['SYNTHETIC', { method: 'FILTERING' }, 'provenance.sources'],
      ['HYBRID', { method: 'SIMULATION' }, 'provenance.realFraction'],
      ['HYBRID', { method: 'SIMULATION', realFraction: 1 }, 'provenance.realFraction'],
      ['REAL', { collectionMethod: 'SURVEY' }, 'provenance.consentBasis'],
      ['REAL', { consentBasis: 'CONTRACT' }, 'provenance.collectionMethod'],
      ['REAL', { ...REAL_PROVENANCE, method: 'LLM_GENERATION' }, 'provenance.method'],
    ];
    for (const [kind, provenance, field] of cases) {
      const v = await draft(alpha, kind, provenance);
      expectError(await app.gql(PUBLISH_VERSION, { id: v.id }, alpha.key), 'BAD_USER_INPUT', `input.${field}`);
    }
    // A REAL version cannot carry rows of synthetic data.
    const synthetic = await publish(alpha, { title: 'Simulated', kind: 'SYNTHETIC', tags: ['lineage-misc'] }, { method: 'SIMULATION' });
    const real = await draft(alpha, 'REAL', {
      ...REAL_PROVENANCE,
      method: 'FILTERING',
      sources: [{ versionId: synthetic, role: 'SEED', rowsUsed: '5' }],
    });
    expectError(await app.gql(PUBLISH_VERSION, { id: real.id }, alpha.key), 'BAD_USER_INPUT', 'input.provenance.sources.0.versionId');
  });

  it('validates every provenance input and names the field', async () => {
    const datasetId = await createDataset(app, alpha, { kind: 'SYNTHETIC', tags: ['lineage-misc'] });
    const source = (versionId = open, extra: Record<string, unknown> = {}) => ({ versionId, role: 'SEED', rowsUsed: '10', ...extra });
    const cases: [Record<string, unknown>, string][] = [
      [{ realFraction: 1.5 }, 'input.provenance.realFraction'],
      [{ realFraction: -0.1 }, 'input.provenance.realFraction'],
      [{ method: 'FILTERING', realFraction: 0.5 }, 'input.provenance.realFraction'],
      [{ sources: [source('not-an-id')] }, 'input.provenance.sources.0.versionId'],
      [{ sources: [source(open, { rowsUsed: '-5' })] }, 'input.provenance.sources.0.rowsUsed'],
      [{ sources: [source(open, { rowsUsed: '0' })] }, 'input.provenance.sources.0.rowsUsed'],
      [{ sources: [source(open), source(closed), source(open)] }, 'input.provenance.sources.2.versionId'],
      [{ sources: [source(open, { role: 'COUSIN' })] }, 'input.provenance.sources.0.role'],
      [
        {
          curation: [
            { kind: 'DEDUP', rowsIn: '100', rowsOut: '90' },
            { kind: 'PII_SCRUB', rowsIn: '90', rowsOut: '95' },
          ],
        },
        'input.provenance.curation.1.rowsOut',
      ],
      [{ curation: [{ kind: 'DEDUP', rowsIn: '-1', rowsOut: '0' }] }, 'input.provenance.curation.0.rowsIn'],
      [
        { curation: [{ kind: 'HUMAN_REVIEW', rowsIn: '10', rowsOut: '10', reviewedFraction: 1.01 }] },
        'input.provenance.curation.0.reviewedFraction',
      ],
      [{ curation: [{ kind: 'HUMAN_REVIEW', rowsIn: '10', rowsOut: '10' }] }, 'input.provenance.curation.0.reviewedFraction'],
      [
        { curation: [{ kind: 'DEDUP', rowsIn: '10', rowsOut: '10', reviewedFraction: 0.5 }] },
        'input.provenance.curation.0.reviewedFraction',
      ],
      [{ generator: { model: '' } }, 'input.provenance.generator.model'],
      [{ generator: { model: 'm', parameters: [1, 2] } }, 'input.provenance.generator.parameters'],
    ];
    for (const [provenance, field] of cases) {
      expectError(
        await app.gql(
          CREATE_VERSION,
          { input: versionInput(datasetId, { provenance: { method: 'SIMULATION', ...provenance } }) },
          alpha.key,
        ),
        'BAD_USER_INPUT',
        field,
      );
    }
    // Nothing was half-written.
    const versions = ok(await app.gql(`query($id: ID!) { dataset(id: $id) { versions { totalCount } } }`, { id: datasetId }, alpha.key));
    expect(versions.dataset.versions.totalCount).toBe(0);
  });
});

const RETRACT = `mutation($input: RetractDatasetVersionInput!) { retractDatasetVersion(input: $input) { datasetVersion { id status } } }`;

describe('retraction', () => {
  it('flags every descendant, transitively, and raises their collapse risk; not the unrelated', async () => {
    const root = await publish(alpha, { title: 'Call transcripts', kind: 'REAL', tags: ['lineage-retract'] }, REAL_PROVENANCE);
    const other = await publish(alpha, { title: 'Other root', kind: 'REAL', tags: ['lineage-retract'] });
    const chain: string[] = [];
    let parent = root;
    for (const n of [1, 2, 3]) {
      parent = await publish(
        alpha,
        { title: `Transcripts gen ${n}`, kind: 'HYBRID', tags: ['lineage-retract'] },
        {
          method: 'SIMULATION',
          realFraction: 0.5,
          sources: [{ versionId: parent, role: 'SEED', rowsUsed: '10' }],
          curation: [{ kind: 'DEDUP', rowsIn: '10', rowsOut: '9' }],
        },
      );
      chain.push(parent);
    }
    const unrelated = await publish(
      alpha,
      { title: 'Unrelated', kind: 'SYNTHETIC', tags: ['lineage-retract'] },
      { method: 'SIMULATION', sources: [{ versionId: other, role: 'SEED', rowsUsed: '5' }] },
    );
    const before = await lineageOf(chain[2]!, buyer.key);
    expect(before.lineage.retractedAncestors).toEqual([]);
    const beforeLevel = before.lineage.collapseRisk.level;

    expect(
      ok(await app.gql(RETRACT, { input: { id: root, reason: 'Contains unredacted phone numbers' } }, alpha.key)).retractDatasetVersion
        .datasetVersion,
    ).toEqual({
      id: root,
      status: 'RETRACTED',
    });
    for (const id of chain) {
      const v = await lineageOf(id, buyer.key);
      expect(v.lineage.retractedAncestors).toEqual([{ id: root }]);
      expect(v.lineage.collapseRisk.level).toBe('HIGH');
      expect(v.lineage.collapseRisk.reasons[0]).toBe(
        `Ancestor "Call transcripts" 1.0.0 (${root}) was retracted: Contains unredacted phone numbers`,
      );
    }
    expect(beforeLevel).not.toBe('HIGH');
    expect((await lineageOf(unrelated, buyer.key)).lineage.retractedAncestors).toEqual([]);
    const self = await lineageOf(root, buyer.key);
    expect(self.status).toBe('RETRACTED');
    expect(self.lineage.collapseRisk).toMatchObject({
      level: 'HIGH',
      reasons: ['This version was retracted: Contains unredacted phone numbers', expect.any(String)],
    });
    // Its listing has no published version left: no latest version, and lineage filters no longer match it.
    const listing = ok(
      await app.gql(`{ datasets(filter: { tags: ["lineage-retract"], maxGenerationDepth: 0 }, orderBy: TITLE) { nodes { title } } }`),
    ).datasets;
    expect(listing.nodes).toEqual([{ title: 'Other root' }]);
    expectError(await app.gql(RETRACT, { input: { id: root, reason: 'again' } }, alpha.key), 'CONFLICT', 'input.id');
  });

  it("falls back to the dataset's newest remaining version", async () => {
    const { datasetId, versionId: v1 } = await publishDataset(app, alpha, { kind: 'REAL', tags: ['lineage-misc'] });
    const v2 = ok(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, { version: '1.1.0' }) }, alpha.key)).createDatasetVersion
      .datasetVersion.id;
    await uploadFiles(app, alpha.key, v2);
    ok(await app.gql(PUBLISH_VERSION, { id: v2 }, alpha.key));
    ok(await app.gql(RETRACT, { input: { id: v2, reason: 'bad labels' } }, alpha.key));
    const dataset = ok(await app.gql(`query($id: ID!) { dataset(id: $id) { latestVersion { id } } }`, { id: datasetId })).dataset;
    expect(dataset.latestVersion).toEqual({ id: v1 });
  });

  it('is for the owning vendor and admins only', async () => {
    const target = await publish(alpha, { title: 'Retract me', kind: 'REAL', tags: ['lineage-misc'] });
    const hidden = await draft(alpha, 'REAL');
    const member = await addMember(app, alpha, 'MEMBER');
    const auditor = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "Aud", email: "aud-lineage@assay.example", role: AUDITOR }) { secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser.secret;
    const input = (id: string) => ({ input: { id, reason: 'PII' } });
    expectError(await app.gql(RETRACT, input(target)), 'UNAUTHENTICATED');
    for (const key of [beta.key, buyer.key, auditor]) expectError(await app.gql(RETRACT, input(target), key), 'FORBIDDEN');
    expectError(await app.gql(RETRACT, input(hidden.id), beta.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(RETRACT, input(hidden.id), alpha.key), 'CONFLICT', 'input.id');
    expectError(await app.gql(RETRACT, { input: { id: target, reason: '' } }, alpha.key), 'BAD_USER_INPUT', 'input.reason');
    expect(ok(await app.gql(RETRACT, input(target), member.key)).retractDatasetVersion.datasetVersion.status).toBe('RETRACTED');
    const other = await publish(beta, { title: 'Admin retracts', kind: 'REAL', tags: ['lineage-misc'] });
    expect(ok(await app.gql(RETRACT, input(other), ADMIN_KEY)).retractDatasetVersion.datasetVersion.status).toBe('RETRACTED');
  });
});

const ATTACH = `mutation($input: AttachQualityReportInput!) { attachQualityReport(input: $input) { qualityReport { id attestation producedBy fidelity privacy { distanceToClosestRecord membershipInferenceRisk } hallucinationRate version { id } } } }`;

describe('quality reports', () => {
  const report = (versionId: string, extra: Record<string, unknown> = {}) => ({
    input: {
      versionId,
      fidelity: 0.91,
      privacy: { distanceToClosestRecord: 0.42, membershipInferenceRisk: 0.03 },
      dedupPassRate: 0.97,
      filterPassRate: 0.88,
      factCheckRate: 0.95,
      hallucinationRate: 0.05,
      producedBy: 'Evals Inc.',
      attestation: 'THIRD_PARTY',
      reportUrl: 'https://evals.example/reports/1',
      notes: 'SDMetrics quality score',
      ...extra,
    },
  });

  it('attaches reports a buyer can read, newest first, and finds them by node ID', async () => {
    const v = await publish(alpha, { title: 'Evaluated', kind: 'SYNTHETIC', tags: ['lineage-misc'] }, { method: 'SIMULATION' });
    const first = ok(await app.gql(ATTACH, report(v), alpha.key)).attachQualityReport.qualityReport;
    expect(first).toMatchObject({ id: expect.stringMatching(/^qr_/), attestation: 'THIRD_PARTY', fidelity: 0.91, version: { id: v } });
    expect(first.privacy).toEqual({ distanceToClosestRecord: 0.42, membershipInferenceRisk: 0.03 });
    const second = ok(
      await app.gql(ATTACH, report(v, { attestation: 'VENDOR', producedBy: 'Alpha QA', privacy: null, fidelity: null }), alpha.key),
    ).attachQualityReport.qualityReport;
    const listed = ok(
      await app.gql(`query($id: ID!) { datasetVersion(id: $id) { qualityReports { id producedBy } } }`, { id: v }, buyer.key),
    ).datasetVersion.qualityReports;
    expect(listed.map((r: { id: string }) => r.id)).toEqual([second.id, first.id]);
    const node = ok(
      await app.gql(`query($id: ID!) { node(id: $id) { __typename ... on QualityReport { producedBy } } }`, { id: first.id }, buyer.key),
    ).node;
    expect(node).toEqual({ __typename: 'QualityReport', producedBy: 'Evals Inc.' });
  });

  it('refuses the wrong role, other tenants and out-of-range metrics', async () => {
    const v = await publish(alpha, { title: 'Evaluated 2', kind: 'REAL', tags: ['lineage-misc'] });
    const hidden = await draft(alpha, 'SYNTHETIC', { method: 'SIMULATION' });
    const auditor = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "Aud2", email: "aud-quality@assay.example", role: AUDITOR }) { secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser.secret;
    expectError(await app.gql(ATTACH, report(v)), 'UNAUTHENTICATED');
    for (const key of [beta.key, buyer.key, auditor]) expectError(await app.gql(ATTACH, report(v), key), 'FORBIDDEN');
    expectError(await app.gql(ATTACH, report(hidden.id), beta.key), 'NOT_FOUND', 'input.versionId');
    // A draft's own vendor may attach; so may an admin, to anyone's version.
    ok(await app.gql(ATTACH, report(hidden.id), alpha.key));
    ok(await app.gql(ATTACH, report(v), ADMIN_KEY));
    const cases: [Record<string, unknown>, string][] = [
      [{ fidelity: 1.5 }, 'input.fidelity'],
      [{ hallucinationRate: -0.01 }, 'input.hallucinationRate'],
      [{ privacy: { membershipInferenceRisk: 2 } }, 'input.privacy.membershipInferenceRisk'],
      [{ privacy: { distanceToClosestRecord: -1 } }, 'input.privacy.distanceToClosestRecord'],
      [{ reportUrl: 'ftp://evals.example/x' }, 'input.reportUrl'],
      [{ producedBy: '' }, 'input.producedBy'],
      [{ fidelity: null, privacy: null, dedupPassRate: null, filterPassRate: null, factCheckRate: null, hallucinationRate: null }, 'input'],
    ];
    for (const [extra, field] of cases) expectError(await app.gql(ATTACH, report(v, extra), alpha.key), 'BAD_USER_INPUT', field);
    // The hidden draft's reports stay hidden.
    const node = ok(await app.gql(`query($id: ID!) { datasetVersion(id: $id) { qualityReports { id } } }`, { id: hidden.id }, alpha.key))
      .datasetVersion.qualityReports[0].id;
    expect(ok(await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: node }, buyer.key)).node).toBeNull();
  });
});

describe('draft provenance and lineage', () => {
  it('is visible only to its vendor, with lineage computed from what it declares', async () => {
    const source = await publish(beta, { title: 'Open seed', kind: 'REAL', terms: CC0, tags: ['lineage-misc'] });
    const v = await draft(alpha, 'HYBRID', {
      method: 'LLM_GENERATION',
      generator: { model: 'gpt-4o' },
      sources: [{ versionId: source, role: 'SEED', rowsUsed: '100' }],
      realFraction: 0.4,
    });
    for (const key of [undefined, buyer.key, beta.key]) {
      expect(ok(await app.gql(LINEAGE, { id: v.id }, key)).datasetVersion).toBeNull();
    }
    const mine = await lineageOf(v.id, alpha.key);
    expect(mine.provenance).toMatchObject({ method: 'LLM_GENERATION', realFraction: 0.4, generator: { model: 'gpt-4o' } });
    // depth 1 + 0; realFraction 0.4 × W(1) = 0.4; the draft has no descendants.
    expect(mine.lineage).toMatchObject({ generationDepth: 1, realFraction: 0.4, roots: [{ id: source }], descendants: [] });
    expect(links(mine.lineage.ancestors)).toEqual([[source, 1]]);
    // Removing the provenance makes it unpublishable again.
    ok(
      await app.gql(
        `mutation($input: UpdateDatasetVersionInput!) { updateDatasetVersion(input: $input) { datasetVersion { id } } }`,
        { input: { id: v.id, provenance: null } },
        alpha.key,
      ),
    );
    expect((await lineageOf(v.id, alpha.key)).provenance).toBeNull();
    expectError(await app.gql(PUBLISH_VERSION, { id: v.id }, alpha.key), 'BAD_USER_INPUT', 'input.provenance');
  });
});
