import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import { RETRACT } from './support/listings.js';
import { EVIDENCE, PUBLISH_WITH_EVIDENCE, WEB_PROVENANCE, draftVersion, publishedVersion } from './support/compliance.js';
import { OPEN_TERMS, expectError, ok, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let alpha: Org;
let buyer: Org;
let rival: Org;

const PUBLISH = PUBLISH_WITH_EVIDENCE;
const CREATE_MIX = `mutation($input: CreateTrainingMixInput!) { createTrainingMix(input: $input) { trainingMix { id } } }`;
const SUMMARY = `query($mixId: ID!, $input: TrainingContentSummaryInput!) {
  trainingContentSummary(mixId: $mixId, input: $input) { document markdown jws } }`;

const FACTS = {
  modelName: 'Orca',
  modelVersion: '2.1',
  provider: 'Buyer AI GmbH',
  modalities: ['TEXT'],
  dataFrom: '2024-01-01T00:00:00Z',
  dataTo: '2025-06-30T00:00:00Z',
  otherSources: [{ kind: 'CRAWLED', name: 'Own crawl', description: 'Pages crawled by our own bot, honouring robots.txt.' }],
  tdmOptOutMeasures: 'Our crawler honours robots.txt and TDMRep.',
};

const draft = (title: string, kind: string, rows: number, provenance: Record<string, unknown>) =>
  draftVersion(app, alpha, title, kind, rows, provenance);
const published = (title: string, kind: string, rows: number, provenance: Record<string, unknown>, evidence: unknown[] = []) =>
  publishedVersion(app, alpha, title, kind, rows, provenance, evidence);

async function licensed(datasetId: string, offer: Record<string, unknown>): Promise<string> {
  const offerId = await createOffer(app, alpha, datasetId, offer);
  const license = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
  expect(license.status).toBe('ACTIVE');
  return license.id as string;
}

async function mix(owner: Org, name: string, components: { versionId: string; rows: string }[]): Promise<string> {
  return ok(await app.gql(CREATE_MIX, { input: { name, regime: 'ACCUMULATE', intendedUse: ['MODEL_TRAINING'], components } }, owner.key))
    .createTrainingMix.trainingMix.id as string;
}

beforeAll(async () => {
  app = await startTestApp();
  [alpha, buyer, rival] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER'), signUp(app, 'BUYER')]);
});
afterAll(async () => {
  await app?.close();
});

describe('opt-out evidence at publish', () => {
  it('a web-scraped REAL version publishes only with every signal recorded, and shows what was recorded', async () => {
    const { versionId } = await draft('Crawled threads', 'REAL', 100, WEB_PROVENANCE);
    const publish = (evidence: unknown[]) => app.gql(PUBLISH, { input: { id: versionId, optOutEvidence: evidence } }, alpha.key);
    expectError(await app.gql(PUBLISH, { input: { id: versionId } }, alpha.key), 'BAD_USER_INPUT', 'input.optOutEvidence');
    expectError(await publish(EVIDENCE.slice(0, 2)), 'BAD_USER_INPUT', 'input.optOutEvidence');
    expectError(
      await publish([{ ...EVIDENCE[1], value: '1' }, EVIDENCE[0], EVIDENCE[2]]),
      'BAD_USER_INPUT',
      'input.optOutEvidence.0.reserved',
    );
    expectError(
      await publish([EVIDENCE[0], { ...EVIDENCE[1], value: 'maybe' }, EVIDENCE[2]]),
      'BAD_USER_INPUT',
      'input.optOutEvidence.1.value',
    );
    expectError(
      await publish([EVIDENCE[0], EVIDENCE[1], { ...EVIDENCE[2], value: 'train-ai=n' }]),
      'BAD_USER_INPUT',
      'input.optOutEvidence.2.reserved',
    );
    expectError(
      await publish([{ ...EVIDENCE[0], sha256: 'abc' }, EVIDENCE[1], EVIDENCE[2]]),
      'BAD_USER_INPUT',
      'input.optOutEvidence.0.sha256',
    );
    expectError(
      await publish([{ ...EVIDENCE[0], url: 'ftp://forum.example/robots.txt' }, EVIDENCE[1], EVIDENCE[2]]),
      'BAD_USER_INPUT',
      'input.optOutEvidence.0.url',
    );
    expectError(await publish([...EVIDENCE, EVIDENCE[0]]), 'BAD_USER_INPUT', 'input.optOutEvidence.3.url');
    expectError(
      await publish([EVIDENCE[0], EVIDENCE[1], { ...EVIDENCE[2], checkedAt: '2999-01-01T00:00:00Z' }]),
      'BAD_USER_INPUT',
      'input.optOutEvidence.2.checkedAt',
    );

    const version = ok(await publish(EVIDENCE)).publishDatasetVersion.datasetVersion;
    expect(version.status).toBe('PUBLISHED');
    expect(version.optOutEvidence).toEqual(EVIDENCE.map((e) => ({ ...e, checkedAt: new Date(e.checkedAt).toISOString() })));
  });

  it('versions not scraped from the web record none', async () => {
    const { versionId } = await draft('Survey answers', 'REAL', 100, { collectionMethod: 'SURVEY', consentBasis: 'EXPLICIT_CONSENT' });
    expectError(
      await app.gql(PUBLISH, { input: { id: versionId, optOutEvidence: EVIDENCE } }, alpha.key),
      'BAD_USER_INPUT',
      'input.optOutEvidence',
    );
    const version = ok(await app.gql(PUBLISH, { input: { id: versionId } }, alpha.key)).publishDatasetVersion.datasetVersion;
    expect(version.optOutEvidence).toEqual([]);
  });
});

describe('training-content summary', () => {
  // R (REAL, web-scraped, 10 000 rows, paid license) -> S1 (LLM, llama-3.1-70b) -> S2 (LLM, llama-3.1-8b, free license)
  let r: string, s1: string, s2: string, rLicense: string, s2License: string, mixId: string;

  beforeAll(async () => {
    let rDataset: string, s2Dataset: string;
    ({ versionId: r, datasetId: rDataset } = await published('Forum threads', 'REAL', 10_000, WEB_PROVENANCE, EVIDENCE));
    ({ versionId: s1 } = await published('Synthetic threads', 'SYNTHETIC', 5_000, {
      method: 'LLM_GENERATION',
      generator: { model: 'llama-3.1-70b', provider: 'Meta', version: '2024-07' },
      sources: [{ versionId: r, role: 'SEED', rowsUsed: '2000' }],
      curation: [
        { kind: 'DEDUP', rowsIn: '6000', rowsOut: '5500' },
        { kind: 'PII_SCRUB', rowsIn: '5500', rowsOut: '5000', notes: 'emails removed' },
      ],
    }));
    ({ versionId: s2, datasetId: s2Dataset } = await published('Synthetic threads gen 2', 'SYNTHETIC', 4_000, {
      method: 'LLM_GENERATION',
      generator: { model: 'llama-3.1-8b' },
      sources: [{ versionId: s1, role: 'SEED', rowsUsed: '1000' }],
      curation: [
        { kind: 'ILLEGAL_CONTENT_FILTER', rowsIn: '4100', rowsOut: '4050' },
        { kind: 'HUMAN_REVIEW', rowsIn: '4050', rowsOut: '4000', reviewedFraction: 0.1 },
      ],
    }));
    rLicense = await licensed(rDataset, {
      name: 'Training license',
      pricingModel: 'ONE_TIME',
      currency: 'usd',
      amountCents: 50_000,
      termDays: 365,
    });
    s2License = await licensed(s2Dataset, { name: 'Open' });
    mixId = await mix(buyer, 'Orca pretraining', [
      { versionId: r, rows: '1000' },
      { versionId: s2, rows: '3000' },
    ]);
  });

  it('lists exactly the sources, generators, real roots and curation steps behind the mix', async () => {
    const { document: doc, markdown } = ok(await app.gql(SUMMARY, { mixId, input: FACTS }, buyer.key)).trainingContentSummary;
    expect(doc.generalInformation).toMatchObject({
      provider: 'Buyer AI GmbH',
      model: { name: 'Orca', version: '2.1' },
      modalities: ['TEXT'],
      dataCollectionPeriod: { from: '2024-01-01T00:00:00.000Z', to: '2025-06-30T00:00:00.000Z' },
      trainingDataSize: [{ modality: 'TEXT', rows: 4000, sizeRange: '1 thousand to 1 million rows' }],
      totalRows: 4000,
      realFraction: 0.25,
      syntheticFraction: 0.75,
    });
    const sources = doc.dataSources;
    expect(sources.commerciallyLicensed.assay).toEqual([
      expect.objectContaining({
        versionId: r,
        vendor: `Org ${alpha.slug}`,
        rows: 1000,
        license: expect.objectContaining({ id: rLicense, offer: 'Training license', pricingModel: 'ONE_TIME', terms: OPEN_TERMS }),
      }),
    ]);
    expect(sources.publicDatasets.assay.map((c: { versionId: string; license: { id: string } }) => [c.versionId, c.license.id])).toEqual([
      [s2, s2License],
    ]);
    expect(sources.otherPrivate.assay).toEqual([]);
    expect(sources.synthetic).toMatchObject({ rows: 3000, share: 0.75 });
    expect(
      sources.synthetic.generators.map(
        (g: {
          versionId: string;
          model: string;
          modelProvider: string | null;
          sources: { versionId: string; role: string; rowsUsed: number }[];
        }) => ({
          versionId: g.versionId,
          model: g.model,
          provider: g.modelProvider,
          sources: g.sources.map((s) => [s.versionId, s.role, s.rowsUsed]),
        }),
      ),
    ).toEqual([
      { versionId: s2, model: 'llama-3.1-8b', provider: null, sources: [[s1, 'SEED', 1000]] },
      { versionId: s1, model: 'llama-3.1-70b', provider: 'Meta', sources: [[r, 'SEED', 2000]] },
    ]);
    expect(sources.realDataOrigins).toEqual([
      {
        versionId: r,
        dataset: 'Forum threads 1.0.0',
        vendor: `Org ${alpha.slug}`,
        collectionMethod: 'WEB_SCRAPING',
        collectionDescription: 'Forum threads crawled in 2025.',
        consentBasis: 'PUBLIC_DATA',
      },
    ]);
    expect(sources.crawled.byProvider).toEqual([{ name: 'Own crawl', description: 'Pages crawled by our own bot, honouring robots.txt.' }]);
    expect(sources.crawled.inLicensedData).toHaveLength(1);
    expect(sources.crawled.inLicensedData[0].optOutEvidence.map((e: { signal: string }) => e.signal)).toEqual([
      'ROBOTS_TXT',
      'TDMREP',
      'AI_PREFERENCES',
    ]);
    expect(doc.processing.tdmOptOuts).toMatchObject({
      webCollectedRealSources: 1,
      withEvidence: 1,
      missingEvidence: [],
      reservationsFound: [],
    });
    expect(doc.processing.curation.map((s: { versionId: string; kind: string }) => [s.versionId, s.kind])).toEqual([
      [s2, 'ILLEGAL_CONTENT_FILTER'],
      [s2, 'HUMAN_REVIEW'],
      [s1, 'DEDUP'],
      [s1, 'PII_SCRUB'],
    ]);
    expect(doc.processing.illegalContentRemoval.steps.map((s: { kind: string }) => s.kind)).toEqual(['ILLEGAL_CONTENT_FILTER']);

    for (const heading of [
      '## 1. General information',
      '#### 2.2.1',
      '### 2.3 Data crawled',
      '### 2.5 Synthetic data',
      '### 3.1',
      '### 3.2 Removal of illegal content',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toContain('llama-3.1-70b');
    expect(markdown).toContain(rLicense);
  });

  it('is signed with the platform key: it verifies against the JWKS and fails on a changed byte', async () => {
    const { document, jws } = ok(await app.gql(SUMMARY, { mixId, input: FACTS }, buyer.key)).trainingContentSummary;
    const jwks = createLocalJWKSet((await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet);
    const header = decodeProtectedHeader(jws);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'assay-training-summary+jws' });
    expect(typeof header.kid).toBe('string');
    const verified = await compactVerify(jws, jwks, { algorithms: ['EdDSA'] });
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual(document);

    const [h, payload, signature] = (jws as string).split('.') as [string, string, string];
    const bytes = Buffer.from(payload, 'base64url');
    bytes[10]! ^= 1;
    await expect(compactVerify(`${h}.${bytes.toString('base64url')}.${signature}`, jwks)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('refuses components without a license permitting training, or retracted, naming each', async () => {
    const { versionId: unlicensed } = await published('Unlicensed threads', 'REAL', 500, {
      collectionMethod: 'SURVEY',
      consentBasis: 'EXPLICIT_CONSENT',
    });
    const { versionId: noTraining, datasetId: noTrainingDataset } = await published('Research-only threads', 'REAL', 500, {
      collectionMethod: 'SURVEY',
      consentBasis: 'EXPLICIT_CONSENT',
    });
    await licensed(noTrainingDataset, { name: 'Evaluation only', terms: { ...OPEN_TERMS, modelTraining: false } });
    const bad = await mix(buyer, 'Unlicensed', [
      { versionId: r, rows: '100' },
      { versionId: unlicensed, rows: '100' },
      { versionId: noTraining, rows: '100' },
    ]);
    const res = await app.gql(SUMMARY, { mixId: bad, input: FACTS }, buyer.key);
    expectError(res, 'CONFLICT', 'mixId');
    expect((res.errors![0]!.extensions.components as { versionId: string }[]).map((c: { versionId: string }) => c.versionId)).toEqual([
      unlicensed,
      noTraining,
    ]);
    expect(res.errors![0]!.message).toContain('"Unlicensed threads" 1.0.0');
    expect(res.errors![0]!.message).toContain('"Research-only threads" 1.0.0');

    // Retracting S1 flags S2 (its descendant) as well.
    const { versionId: own } = await published('Retracted threads', 'SYNTHETIC', 500, { method: 'SIMULATION' });
    const retracting = await mix(alpha, 'Own data', [{ versionId: own, rows: '100' }]);
    ok(await app.gql(SUMMARY, { mixId: retracting, input: FACTS }, alpha.key));
    ok(await app.gql(RETRACT, { id: own, reason: 'contains PII' }, alpha.key));
    ok(await app.gql(RETRACT, { id: s1, reason: 'contains PII' }, alpha.key));
    const retracted = await app.gql(SUMMARY, { mixId: retracting, input: FACTS }, alpha.key);
    expectError(retracted, 'CONFLICT', 'mixId');
    expect(retracted.errors![0]!.message).toContain('was retracted');
    const descends = await app.gql(SUMMARY, { mixId, input: FACTS }, buyer.key);
    expectError(descends, 'CONFLICT', 'mixId');
    expect(descends.errors![0]!.extensions.components).toEqual([
      { versionId: s2, reason: expect.stringContaining('descends from a retracted version') },
    ]);
  });

  it('is private to the mix organization, and every field of the input is validated', async () => {
    expectError(await app.gql(SUMMARY, { mixId, input: FACTS }, rival.key), 'NOT_FOUND', 'mixId');
    expectError(await app.gql(SUMMARY, { mixId, input: FACTS }, alpha.key), 'NOT_FOUND', 'mixId');
    expectError(await app.gql(SUMMARY, { mixId, input: FACTS }), 'UNAUTHENTICATED');
    const cases: [Record<string, unknown>, string][] = [
      [{ modelName: '  ' }, 'input.modelName'],
      [{ modelVersion: 'x'.repeat(101) }, 'input.modelVersion'],
      [{ provider: 'a\u0007b' }, 'input.provider'],
      [{ modalities: [] }, 'input.modalities'],
      [{ modalities: ['TEXT', 'TEXT'] }, 'input.modalities.1'],
      [{ dataTo: '2023-01-01T00:00:00Z' }, 'input.dataTo'],
      [{ otherSources: [{ kind: 'CRAWLED', name: '', description: 'x' }] }, 'input.otherSources.0.name'],
      [{ otherSources: [{ kind: 'CRAWLED', name: 'x', description: ' ' }] }, 'input.otherSources.0.description'],
      [{ otherSources: Array.from({ length: 51 }, () => ({ kind: 'OTHER', name: 'x', description: 'y' })) }, 'input.otherSources'],
      [{ tdmOptOutMeasures: 'x'.repeat(5001) }, 'input.tdmOptOutMeasures'],
    ];
    for (const [change, field] of cases) {
      expectError(await app.gql(SUMMARY, { mixId, input: { ...FACTS, ...change } }, buyer.key), 'BAD_USER_INPUT', field);
    }
  });
});
