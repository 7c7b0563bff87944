import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { EVIDENCE, WEB_PROVENANCE, draftVersion, publishedVersion } from './support/compliance.js';
import { OPEN_TERMS, ok, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let alpha: Org;
let rival: Org;
let real: string;
let synthetic: string;
let draft: string;

/**
 * The Croissant 1.1 context terms (spec appendix 1) and what each maps to, and the properties the specification
 * requires of every dataset ("Required", plus `distribution`, which Croissant makes required), written out here so the
 * test needs no copy of the specification.
 */
const CONTEXT_TERMS: Record<string, unknown> = {
  '@language': 'en',
  '@vocab': 'https://schema.org/',
  sc: 'https://schema.org/',
  cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/',
  dct: 'http://purl.org/dc/terms/',
  annotation: 'cr:annotation',
  arrayShape: 'cr:arrayShape',
  citeAs: 'cr:citeAs',
  column: 'cr:column',
  conformsTo: 'dct:conformsTo',
  containedIn: 'cr:containedIn',
  data: { '@id': 'cr:data', '@type': '@json' },
  dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
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
  readLines: 'cr:readLines',
  recordSet: 'cr:recordSet',
  references: 'cr:references',
  regex: 'cr:regex',
  sdVersion: 'cr:sdVersion',
  separator: 'cr:separator',
  source: 'cr:source',
  subField: 'cr:subField',
  transform: 'cr:transform',
  unArchive: 'cr:unArchive',
  value: 'cr:value',
};
const REQUIRED = ['@context', '@type', 'conformsTo', 'description', 'license', 'name', 'url', 'creator', 'datePublished', 'distribution'];

const get = (versionId: string, key?: string) =>
  fetch(`${app.url}/versions/${versionId}/croissant.json`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

async function document(versionId: string, key?: string): Promise<Record<string, any>> {
  const res = await get(versionId, key);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/);
  return (await res.json()) as Record<string, any>;
}

beforeAll(async () => {
  app = await startTestApp();
  [alpha, rival] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR')]);
  ({ versionId: real } = await publishedVersion(app, alpha, 'Forum threads', 'REAL', 1000, WEB_PROVENANCE, EVIDENCE));
  ok(
    await app.gql(
      `mutation($input: AttachCoverageReportInput!) { attachCoverageReport(input: $input) { coverageReport { id } } }`,
      {
        input: {
          versionId: real,
          attribute: 'language',
          groups: [
            { value: 'en', count: '900' },
            { value: 'fr', count: '100' },
          ],
          attestedBy: 'Alpha data team',
          attestation: 'VENDOR',
        },
      },
      alpha.key,
    ),
  );
  ({ versionId: synthetic } = await publishedVersion(app, alpha, 'Synthetic threads', 'SYNTHETIC', 500, {
    method: 'LLM_GENERATION',
    generator: { model: 'llama-3.1-70b', provider: 'Meta' },
    sources: [{ versionId: real, role: 'SEED', rowsUsed: '400' }],
    curation: [{ kind: 'PII_SCRUB', rowsIn: '520', rowsOut: '500', notes: 'emails removed' }],
  }));
  ({ versionId: draft } = await draftVersion(
    app,
    alpha,
    'Draft threads',
    'REAL',
    10,
    { collectionMethod: 'SURVEY', consentBasis: 'EXPLICIT_CONSENT' },
    { ...OPEN_TERMS, modelTraining: false },
  ));
});
afterAll(async () => {
  await app?.close();
});

describe('GET /versions/{versionId}/croissant.json', () => {
  it('serves a Croissant 1.1 document with the context and every property the specification requires', async () => {
    const doc = await document(real);
    for (const [term, mapping] of Object.entries(CONTEXT_TERMS)) expect(doc['@context'][term], term).toEqual(mapping);
    for (const property of REQUIRED) expect(doc[property], property).toBeDefined();
    expect(doc['@type']).toBe('sc:Dataset');
    expect(doc.conformsTo).toBe('http://mlcommons.org/croissant/1.1');
    expect(doc.name).toBe('Forum threads 1.0.0');
    expect(doc.creator).toMatchObject({ '@type': 'sc:Organization', name: `Org ${alpha.slug}` });
    expect(Number.isNaN(Date.parse(doc.datePublished))).toBe(false);
    expect(doc.distribution).toEqual([
      expect.objectContaining({
        '@type': 'cr:FileObject',
        name: 'data/train.jsonl',
        encodingFormat: 'application/jsonlines',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    expect(doc.distribution[0].contentUrl).toBe(`${app.url}/data/${real}/data/train.jsonl`);
    // The same document as the GraphQL field.
    const viaGraphql = ok(await app.gql(`query($id: ID!) { datasetVersion(id: $id) { croissant } }`, { id: real })).datasetVersion
      .croissant;
    expect(doc).toEqual(viaGraphql);
  });

  it('carries the license terms as a machine-readable ODRL offer in usageInfo', async () => {
    const { usageInfo } = await document(synthetic);
    expect(usageInfo['@type']).toEqual(['CreativeWork', 'odrl:Offer']);
    const actions = (rules: any[]) =>
      rules.map((r) => [r['odrl:action']['@id'], r['odrl:action']['odrl:refinement']?.['odrl:rightOperand'] ?? null]);
    expect(actions(usageInfo['odrl:permission'])).toEqual([
      ['odrl:commercialize', null],
      ['odrl:use', 'train-ai'],
      ['odrl:derive', null],
      ['odrl:use', 'synthetic-data-generation'],
      ['odrl:distribute', null],
    ]);
    expect(usageInfo['odrl:prohibition']).toEqual([]);
    // CC-BY: every permission carries the attribution duty.
    expect(usageInfo['odrl:permission'].every((p: any) => p['odrl:duty']['odrl:action']['@id'] === 'odrl:attribute')).toBe(true);

    const own = await document(draft, alpha.key);
    expect(actions(own.usageInfo['odrl:prohibition'])).toEqual([['odrl:use', 'train-ai']]);
  });

  it('fills the RAI fields: collection with opt-out evidence, biases from coverage, personal information, synthetic provenance', async () => {
    const realDoc = await document(real);
    expect(realDoc['rai:dataCollectionType']).toEqual(['Web Scraping']);
    expect(realDoc['rai:dataCollection']).toContain('Forum threads crawled in 2025.');
    for (const e of EVIDENCE) expect(realDoc['rai:dataCollection']).toContain(e.sha256);
    expect(realDoc['rai:dataBiases']).toEqual([
      expect.stringContaining('Coverage of language (attested by Alpha data team, VENDOR): en 90% (900), fr 10% (100)'),
    ]);
    expect(realDoc['rai:personalSensitiveInformation']).toEqual(['Records about people are held on the basis public data.']);

    const syntheticDoc = await document(synthetic);
    expect(syntheticDoc['rai:personalSensitiveInformation']).toEqual([
      'Personal information scrubbed: 520 → 500 rows (emails removed).',
      expect.stringContaining('Synthetic rows may reproduce personal information'),
    ]);
    expect(syntheticDoc['prov:wasDerivedFrom']).toEqual([
      expect.objectContaining({ identifier: real, description: 'SEED: 400 rows used' }),
    ]);
    expect(syntheticDoc['prov:wasGeneratedBy']).toMatchObject({
      name: 'LLM_GENERATION',
      'prov:wasAssociatedWith': { name: 'llama-3.1-70b', provider: { name: 'Meta' } },
    });
    expect(syntheticDoc['rai:dataCollection']).toContain('with Meta llama-3.1-70b from 1 source version(s)');
  });

  it('serves drafts only to their vendor (and staff); everyone else, and unknown IDs, get 404', async () => {
    expect((await get(draft)).status).toBe(404);
    expect((await get(draft, rival.key)).status).toBe(404);
    expect((await document(draft, alpha.key)).name).toBe('Draft threads 1.0.0');
    expect((await document(draft, ADMIN_KEY)).name).toBe('Draft threads 1.0.0');
    expect((await get('dsv_00000000000000000000000000')).status).toBe(404);
    expect((await get('not-an-id')).status).toBe(404);
    expect((await get(real, 'ak_not_a_real_key')).status).toBe(401);
  });
});

describe('rate limiting', () => {
  it('limits the route like every other', async () => {
    const limited = await startTestApp({ ASSAY_RATE_LIMIT_PER_MINUTE: '1', ASSAY_RATE_LIMIT_BURST: '2' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/versions/${real}/croissant.json`)).status);
      expect(statuses).toEqual([404, 404, 429]);
    } finally {
      await limited.close();
    }
  });
});
