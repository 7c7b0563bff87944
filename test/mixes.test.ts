import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COLLAPSE_RISK } from '../src/config.js';
import { assessCollapseRisk, CITATIONS, type RiskSubject } from '../src/mixes/collapse-rules.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import {
  CREATE_VERSION,
  OPEN_TERMS,
  addMember,
  createDataset,
  dataFile,
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
let buyer: Org;
let rival: Org;

const TAG = 'mix-calc';
const NON_COMMERCIAL = { ...OPEN_TERMS, spdxId: 'CC-BY-NC-4.0', commercialUse: false };
const REAL_PROVENANCE = { collectionMethod: 'SURVEY', consentBasis: 'EXPLICIT_CONSENT' };

const MIX_FIELDS = `id name regime intendedUse totalRows realFraction realRows syntheticToRealRatio maxGenerationDepth meanGenerationDepth
  humanReviewedFraction targetRealFraction attributions
  components { version { id } rows share owned license { id } cheapestOffer { id } cheapestPrice { amountCents currency } }
  collapseRisk { level reasons findings { rule level message citation } }
  inheritedTerms { commercialUse modelTraining derivatives attributionRequired }
  termsConflicts { permission forbiddenBy }
  retractedComponents { id } unlicensedComponents { id } unlicensableComponents { id }
  licensingCost { amountCents currency }`;
const CREATE = `mutation($input: CreateTrainingMixInput!) { createTrainingMix(input: $input) { trainingMix { ${MIX_FIELDS} } } }`;
const UPDATE = `mutation($input: UpdateTrainingMixInput!) { updateTrainingMix(input: $input) { trainingMix { ${MIX_FIELDS} } } }`;
const DELETE = `mutation($input: DeleteTrainingMixInput!) { deleteTrainingMix(input: $input) { deletedId } }`;
const MIX = `query($id: ID!) { trainingMix(id: $id) { ${MIX_FIELDS} } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on TrainingMix { name } } }`;
const LIST = `{ trainingMixes(first: 10) { totalCount nodes { id name } } }`;
const SUGGESTIONS = `query($id: ID!) { trainingMix(id: $id) { targetRealFraction realFraction
  suggestions { version { id } rows realFractionAfter reachesTarget offer { id pricingModel } price { amountCents currency } } } }`;

/** A published one-version TEXT dataset with `rows` rows. */
async function publish(
  title: string,
  kind: 'REAL' | 'SYNTHETIC' | 'HYBRID',
  rows: number,
  provenance: Record<string, unknown>,
  terms: Record<string, unknown> = OPEN_TERMS,
): Promise<{ datasetId: string; versionId: string }> {
  return publishDataset(
    app,
    alpha,
    { title, kind, terms, tags: [TAG], modality: 'TEXT' },
    { provenance, files: [dataFile('data/train.jsonl', `{"title":"${title}"}\n`, rows)] },
  );
}

const label = (title: string) => `"${title}" 1.0.0`;
const credit = (title: string, spdx = 'CC-BY-4.0') => `${title} by Org ${alpha.slug} (${spdx})`;

beforeAll(async () => {
  app = await startTestApp();
  [alpha, buyer, rival] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER'), signUp(app, 'BUYER')]);
});
afterAll(async () => {
  await app?.close();
});

describe('training mix arithmetic', () => {
  // R1 (REAL, 10 000 rows, CC-BY)      R2 (REAL, 4 000 rows, CC-BY-NC)
  //  |   \___________________________   |
  // S1 (R1 1000, depth 1, e 0)        DR (R1 1000 + R2 1000, AUGMENTATION, e 0.5, reviewed 0.2)
  //  |   \__________________________  /
  // S2 (S1 500, depth 2)             D (S1 600 + DR 200, DISTILLATION, real 0.25)   <- diamond over R1
  let r1: string, r2: string, s1: string, s2: string, dr: string, d: string;
  let r1Dataset: string, drDataset: string;
  let freeOffer: string, usageOffer: string, drOffer: string;

  beforeAll(async () => {
    ({ versionId: r1, datasetId: r1Dataset } = await publish('Real reviews', 'REAL', 10_000, REAL_PROVENANCE));
    ({ versionId: r2 } = await publish('Real posts', 'REAL', 4_000, REAL_PROVENANCE, NON_COMMERCIAL));
    ({ versionId: s1 } = await publish('Synthetic reviews', 'SYNTHETIC', 5_000, {
      method: 'LLM_GENERATION',
      generator: { model: 'llama-3.1-70b' },
      sources: [{ versionId: r1, role: 'SEED', rowsUsed: '1000' }],
      curation: [{ kind: 'DEDUP', rowsIn: '6000', rowsOut: '5000' }],
    }));
    ({ versionId: s2 } = await publish('Synthetic reviews gen 2', 'SYNTHETIC', 5_000, {
      method: 'LLM_GENERATION',
      generator: { model: 'llama-3.1-8b' },
      sources: [{ versionId: s1, role: 'SEED', rowsUsed: '500' }],
      curation: [{ kind: 'DEDUP', rowsIn: '6000', rowsOut: '5000' }],
    }));
    ({ versionId: dr, datasetId: drDataset } = await publish('Augmented reviews', 'HYBRID', 5_000, {
      method: 'AUGMENTATION',
      sources: [
        { versionId: r1, role: 'SEED', rowsUsed: '1000' },
        { versionId: r2, role: 'SEED', rowsUsed: '1000' },
      ],
      realFraction: 0.5,
      curation: [{ kind: 'HUMAN_REVIEW', rowsIn: '5000', rowsOut: '5000', reviewedFraction: 0.2 }],
    }));
    ({ versionId: d } = await publish('Distilled reviews', 'SYNTHETIC', 5_000, {
      method: 'DISTILLATION',
      generator: { model: 'student-1b' },
      sources: [
        { versionId: s1, role: 'SEED', rowsUsed: '600' },
        { versionId: dr, role: 'SEED', rowsUsed: '200' },
      ],
      realFraction: 0.25,
      curation: [
        { kind: 'DEDUP', rowsIn: '6000', rowsOut: '5000' },
        { kind: 'HUMAN_REVIEW', rowsIn: '5000', rowsOut: '5000', reviewedFraction: 0.1 },
      ],
    }));
    // R1: a FREE offer without commercial use, a USAGE offer with it (50 cents per thousand rows, one included), and
    // an expensive one-time offer with it. DR: a non-commercial USAGE offer (its ancestry forbids commercial use).
    freeOffer = await createOffer(app, alpha, r1Dataset, { name: 'Research', terms: NON_COMMERCIAL });
    usageOffer = await createOffer(app, alpha, r1Dataset, {
      name: 'Metered',
      pricingModel: 'USAGE',
      currency: 'usd',
      usageUnit: 'THOUSAND_ROWS',
      unitAmountCents: 50,
      includedUnits: 1,
    });
    await createOffer(app, alpha, r1Dataset, {
      name: 'Enterprise',
      pricingModel: 'ONE_TIME',
      currency: 'usd',
      amountCents: 12_345,
      termDays: 365,
    });
    drOffer = await createOffer(app, alpha, drDataset, {
      name: 'Metered NC',
      terms: NON_COMMERCIAL,
      pricingModel: 'USAGE',
      currency: 'usd',
      usageUnit: 'THOUSAND_ROWS',
      unitAmountCents: 100,
    });
  });

  let accumulate: string;

  it('computes an ACCUMULATE mix by hand: fractions, ratio, depths, review, terms, attributions, cost', async () => {
    const mix = ok(
      await app.gql(
        CREATE,
        {
          input: {
            name: 'Reviews v1',
            regime: 'ACCUMULATE',
            intendedUse: ['MODEL_TRAINING', 'COMMERCIAL_USE'],
            components: [
              { versionId: r1, rows: '6000' },
              { versionId: dr, rows: '2000' },
              { versionId: d, rows: '2000' },
            ],
          },
        },
        buyer.key,
      ),
    ).createTrainingMix.trainingMix;
    accumulate = mix.id;
    expect(mix.id).toMatch(/^mix_/);
    // Component lineage: R1 e 1 depth 0; DR e = 0.5 × 1 = 0.5, depth 1, h 0.2;
    // D: W = (600 × 0 + 200 × 0.5) / 800 = 0.125, e = 0.25 × 0.125 = 0.03125, depth 2, h = 0.1 + 0.9 × 0.25 × 0.05 = 0.11125.
    expect(mix.totalRows).toBe('10000');
    expect(mix.components.map((c: { share: number }) => c.share)).toEqual([0.6, 0.2, 0.2]);
    // real = 6000 + 2000 × 0.5 + 2000 × 0.03125 = 7062.5 rows; fraction 0.70625; realRows rounds to 7063
    expect(mix.realFraction).toBeCloseTo(0.70625, 9);
    expect(mix.realRows).toBe('7063');
    // ratio = (10000 − 7062.5) / 7062.5
    expect(mix.syntheticToRealRatio).toBeCloseTo(2937.5 / 7062.5, 9);
    // depth max 2; mean = (6000 × 0 + 2000 × 1 + 2000 × 2) / 10000 = 0.6
    expect(mix.maxGenerationDepth).toBe(2);
    expect(mix.meanGenerationDepth).toBeCloseTo(0.6, 9);
    // reviewed = (2000 × 0.2 + 2000 × 0.11125) / 10000 = 0.06225
    expect(mix.humanReviewedFraction).toBeCloseTo(0.06225, 9);
    // R2 (non-commercial) sits in DR's and D's ancestry: both withhold commercial use, named.
    expect(mix.inheritedTerms).toEqual({ commercialUse: false, modelTraining: true, derivatives: true, attributionRequired: true });
    expect(mix.termsConflicts).toEqual([
      { permission: 'COMMERCIAL_USE', forbiddenBy: [label('Augmented reviews'), label('Distilled reviews')] },
    ]);
    // Every ancestor once, though R1 is reached through three components and the diamond.
    expect(mix.attributions).toEqual(
      [
        credit('Augmented reviews'),
        credit('Distilled reviews'),
        credit('Real posts', 'CC-BY-NC-4.0'),
        credit('Real reviews'),
        credit('Synthetic reviews'),
      ].sort(),
    );
    // Stable: ACCUMULATE, 70.6% real, ratio below 1, curated.
    expect(mix.collapseRisk.level).toBe('LOW');
    expect(mix.collapseRisk.findings.map((f: { rule: string }) => f.rule)).toEqual(['ACCUMULATE_STABLE', 'HUMAN_REVIEWED']);
    expect(mix.collapseRisk.findings[0].citation).toBe(CITATIONS.gerstgrasser);
    expect(mix.collapseRisk.findings[0].message).toContain('70.6% real rows');
    // Cost for commercial training: R1's cheapest granting offer is the metered one, (ceil(6000/1000) − 1) × 50 = 250;
    // DR's only offer withholds commercial use and D has none: both unlicensable.
    expect(mix.components[0]).toMatchObject({
      owned: false,
      license: null,
      cheapestOffer: { id: usageOffer },
      cheapestPrice: { amountCents: 250, currency: 'usd' },
    });
    expect(mix.unlicensableComponents.map((v: { id: string }) => v.id)).toEqual([dr, d]);
    expect(mix.licensingCost).toEqual([{ amountCents: 250, currency: 'usd' }]);
  });

  it('recomputes on update: a non-commercial use frees DR, and a license held drops a component from the bill', async () => {
    const updated = ok(await app.gql(UPDATE, { input: { id: accumulate, intendedUse: ['MODEL_TRAINING'] } }, buyer.key)).updateTrainingMix
      .trainingMix;
    expect(updated.termsConflicts).toEqual([]);
    // R1 now takes the FREE offer (0, no currency); DR's metered offer: ceil(2000/1000) × 100 = 200; D still has none.
    expect(updated.components[0].cheapestOffer).toEqual({ id: freeOffer });
    expect(updated.components[1]).toMatchObject({ cheapestOffer: { id: drOffer }, cheapestPrice: { amountCents: 200, currency: 'usd' } });
    expect(updated.licensingCost).toEqual([{ amountCents: 200, currency: 'usd' }]);
    const license = ok(await purchase(app, buyer, freeOffer)).purchaseLicense.license;
    expect(license.status).toBe('ACTIVE');
    const after = ok(await app.gql(MIX, { id: accumulate }, buyer.key)).trainingMix;
    expect(after.components[0]).toMatchObject({ license: { id: license.id }, cheapestOffer: null });
    expect(after.unlicensedComponents.map((v: { id: string }) => v.id)).toEqual([dr, d]);
  });

  let replace: string;

  it('scores a REPLACE mix two generations deep HIGH, with the rules, numbers and citations', async () => {
    const mix = ok(
      await app.gql(
        CREATE,
        {
          input: {
            name: 'Synthetic only',
            regime: 'REPLACE',
            intendedUse: ['MODEL_TRAINING'],
            components: [
              { versionId: s1, rows: '5000' },
              { versionId: s2, rows: '5000' },
            ],
          },
        },
        buyer.key,
      ),
    ).createTrainingMix.trainingMix;
    replace = mix.id;
    expect(mix).toMatchObject({
      realFraction: 0,
      realRows: '0',
      syntheticToRealRatio: null,
      maxGenerationDepth: 2,
      meanGenerationDepth: 1.5,
    });
    expect(mix.collapseRisk.level).toBe('HIGH');
    expect(mix.collapseRisk.findings).toEqual([
      {
        rule: 'REPLACED_REAL_DEEP',
        level: 'HIGH',
        message: expect.stringContaining('a REPLACE mix up to 2 generations deep (mean 1.5) with only 0% real rows'),
        citation: CITATIONS.shumailov,
      },
      {
        rule: 'SYNTHETIC_OUTWEIGHS_REAL',
        level: 'MEDIUM',
        message: expect.stringContaining('no real rows at all'),
        citation: CITATIONS.alemohammad,
      },
      { rule: 'NOT_REVIEWED', level: 'LOW', message: 'No human review anywhere in its components', citation: null },
    ]);
    expect(mix.collapseRisk.reasons).toEqual(mix.collapseRisk.findings.map((f: { message: string }) => f.message));
  });

  it('suggests published REAL versions that bring the mix to its target, and adding them gets it there', async () => {
    const before = ok(await app.gql(SUGGESTIONS, { id: replace }, buyer.key)).trainingMix;
    // Default target 0.5: x = (0.5 × 10000 − 0) / (1 − 0.5) = 10000 real rows. R1 has 10000 (reaches it); R2 has
    // 4000: 4000 / 14000 = 0.2857.
    expect(before.targetRealFraction).toBe(0.5);
    expect(before.suggestions).toEqual([
      {
        version: { id: r1 },
        rows: '10000',
        realFractionAfter: 0.5,
        reachesTarget: true,
        offer: { id: freeOffer, pricingModel: 'FREE' },
        price: null,
      },
      {
        version: { id: r2 },
        rows: '4000',
        realFractionAfter: expect.closeTo(4000 / 14000, 9),
        reachesTarget: false,
        offer: null,
        price: null,
      },
    ]);
    // A target of 0.2: x = (0.2 × 10000) / 0.8 = 2500.
    const lower = ok(
      await app.gql(
        `mutation($input: UpdateTrainingMixInput!) { updateTrainingMix(input: $input) { trainingMix { suggestions { version { id } rows reachesTarget } } } }`,
        { input: { id: replace, targetRealFraction: 0.2 } },
        buyer.key,
      ),
    ).updateTrainingMix.trainingMix;
    expect(lower.suggestions[0]).toEqual({ version: { id: r1 }, rows: '2500', reachesTarget: true });
    const added = ok(
      await app.gql(
        UPDATE,
        {
          input: {
            id: replace,
            components: [
              { versionId: s1, rows: '5000' },
              { versionId: s2, rows: '5000' },
              { versionId: r1, rows: '2500' },
            ],
          },
        },
        buyer.key,
      ),
    ).updateTrainingMix.trainingMix;
    expect(added.realFraction).toBeCloseTo(0.2, 9);
    expect(ok(await app.gql(SUGGESTIONS, { id: replace }, buyer.key)).trainingMix.suggestions).toEqual([]);
  });

  it('shows a single version’s findings from the same rule set', async () => {
    const res = ok(
      await app.gql(
        `query($id: ID!) { datasetVersion(id: $id) { lineage { collapseRisk { level reasons findings { rule level citation } } } } }`,
        { id: s2 },
      ),
    ).datasetVersion.lineage.collapseRisk;
    expect(res.level).toBe('HIGH');
    expect(res.findings).toEqual([
      { rule: 'REPLACED_REAL_DEEP', level: 'HIGH', citation: CITATIONS.shumailov },
      { rule: 'NOT_REVIEWED', level: 'LOW', citation: null },
    ]);
    expect(res.reasons[0]).toBe(
      '2 generations of synthetic data with only 0% real records: generated data that replaced the real data degrades with every generation',
    );
  });

  it('keeps a mix private to its organization: other tenants get nothing, anonymous callers must authenticate', async () => {
    for (const key of [rival.key, alpha.key, ADMIN_KEY]) {
      expect(ok(await app.gql(MIX, { id: accumulate }, key)).trainingMix).toBeNull();
      expect(ok(await app.gql(NODE, { id: accumulate }, key)).node).toBeNull();
      expectError(
        await app.gql(UPDATE, { input: { id: accumulate, name: 'Mine now' } }, key),
        key === ADMIN_KEY ? 'FORBIDDEN' : 'NOT_FOUND',
      );
      expectError(await app.gql(DELETE, { input: { id: accumulate } }, key), key === ADMIN_KEY ? 'FORBIDDEN' : 'NOT_FOUND');
    }
    expect(ok(await app.gql(LIST, {}, rival.key)).trainingMixes).toEqual({ totalCount: 0, nodes: [] });
    expect(ok(await app.gql(NODE, { id: accumulate }, buyer.key)).node).toEqual({ id: accumulate, name: 'Reviews v1' });
    expect(ok(await app.gql(LIST, {}, buyer.key)).trainingMixes.totalCount).toBe(2);
    expectError(await app.gql(MIX, { id: accumulate }), 'UNAUTHENTICATED');
    expectError(await app.gql(LIST, {}), 'UNAUTHENTICATED');
    expectError(
      await app.gql(CREATE, { input: { name: 'x', regime: 'ACCUMULATE', intendedUse: [], components: [{ versionId: r1, rows: '1' }] } }),
      'UNAUTHENTICATED',
    );
    expectError(await app.gql(DELETE, { input: { id: accumulate } }), 'UNAUTHENTICATED');
    // Staff have no organization to keep mixes in.
    expectError(
      await app.gql(
        CREATE,
        { input: { name: 'x', regime: 'ACCUMULATE', intendedUse: [], components: [{ versionId: r1, rows: '1' }] } },
        ADMIN_KEY,
      ),
      'FORBIDDEN',
    );
    // The mix is unchanged by all of it.
    expect(ok(await app.gql(MIX, { id: accumulate }, buyer.key)).trainingMix.name).toBe('Reviews v1');
  });

  it('lets any member edit, but only the creator or an owner delete', async () => {
    const member = await addMember(app, buyer, 'MEMBER');
    expect(
      ok(await app.gql(UPDATE, { input: { id: accumulate, name: 'Reviews v2' } }, member.key)).updateTrainingMix.trainingMix.name,
    ).toBe('Reviews v2');
    expectError(await app.gql(DELETE, { input: { id: accumulate } }, member.key), 'FORBIDDEN');
    const own = ok(
      await app.gql(
        CREATE,
        { input: { name: 'Member mix', regime: 'ACCUMULATE', intendedUse: [], components: [{ versionId: r1, rows: '10' }] } },
        member.key,
      ),
    ).createTrainingMix.trainingMix.id;
    expect(ok(await app.gql(DELETE, { input: { id: own } }, member.key)).deleteTrainingMix.deletedId).toBe(own);
    // A name is unique within the organization, on create and on rename.
    expectError(await app.gql(UPDATE, { input: { id: accumulate, name: 'Synthetic only' } }, member.key), 'CONFLICT', 'input.name');
    const dup = { name: 'Synthetic only', regime: 'ACCUMULATE', intendedUse: [], components: [{ versionId: r1, rows: '1' }] };
    expectError(await app.gql(CREATE, { input: dup }, buyer.key), 'CONFLICT', 'input.name');
    // Another organization may use the same name.
    const theirs = ok(await app.gql(CREATE, { input: dup }, rival.key)).createTrainingMix.trainingMix.id;
    expect(ok(await app.gql(DELETE, { input: { id: theirs } }, rival.key)).deleteTrainingMix.deletedId).toBe(theirs);
    expect(ok(await app.gql(MIX, { id: theirs }, rival.key)).trainingMix).toBeNull();
  });

  it('refuses bad input with the field named', async () => {
    const draftDataset = await createDataset(app, alpha, { kind: 'REAL', tags: ['mix-draft'] });
    const draft = ok(await app.gql(CREATE_VERSION, { input: versionInput(draftDataset) }, alpha.key)).createDatasetVersion.datasetVersion
      .id;
    await uploadFiles(app, alpha.key, draft);
    const input = (components: unknown, extra: Record<string, unknown> = {}) => ({
      input: { name: 'Bad', regime: 'ACCUMULATE', intendedUse: ['MODEL_TRAINING'], components, ...extra },
    });
    const cases: [Record<string, unknown>, string, string?][] = [
      [input([{ versionId: r1, rows: '0' }]), 'input.components.0.rows'],
      [input([{ versionId: r1, rows: '-5' }]), 'input.components.0.rows'],
      [
        input([
          { versionId: r1, rows: '10' },
          { versionId: r2, rows: '4001' },
        ]),
        'input.components.1.rows',
      ],
      [
        input([
          { versionId: r1, rows: '10' },
          { versionId: s1, rows: '1' },
          { versionId: r1, rows: '3' },
        ]),
        'input.components.2.versionId',
      ],
      [input([{ versionId: 'dsv_00000000000000000000000000', rows: '1' }]), 'input.components.0.versionId'],
      [input([{ versionId: 'not-an-id', rows: '1' }]), 'input.components.0.versionId'],
      [input([{ versionId: draft, rows: '1' }]), 'input.components.0.versionId'],
      [input([]), 'input.components'],
      [input([{ versionId: r1, rows: '1' }], { name: '' }), 'input.name'],
      [input([{ versionId: r1, rows: '1' }], { name: 'x'.repeat(101) }), 'input.name'],
      [input([{ versionId: r1, rows: '1' }], { name: 'tab\there' }), 'input.name'],
      [input([{ versionId: r1, rows: '1' }], { targetRealFraction: 1 }), 'input.targetRealFraction'],
    ];
    for (const [variables, field] of cases) expectError(await app.gql(CREATE, variables, buyer.key), 'BAD_USER_INPUT', field);
    // The draft's own vendor is told it is a draft; a buyer cannot see it at all (same code and field).
    const own = await app.gql(CREATE, input([{ versionId: draft, rows: '1' }]), alpha.key);
    expectError(own, 'BAD_USER_INPUT', 'input.components.0.versionId');
    expect(own.errors![0]!.message).toContain('draft');
    expectError(
      await app.gql(UPDATE, { input: { id: accumulate, components: [{ versionId: r1, rows: '10001' }] } }, buyer.key),
      'BAD_USER_INPUT',
      'input.components.0.rows',
    );
    expectError(await app.gql(UPDATE, { input: { id: 'mix_nope' } }, buyer.key), 'BAD_USER_INPUT', 'input.id');
    expect(ok(await app.gql(LIST, {}, buyer.key)).trainingMixes.totalCount).toBe(2);
  });
});

describe('collapse-risk rules', () => {
  const base: RiskSubject = {
    regime: 'ACCUMULATE',
    maxDepth: 1,
    meanDepth: 1,
    realFraction: 0.6,
    syntheticToRealRatio: 0.4 / 0.6,
    humanReviewedFraction: 0.1,
    deduplicated: true,
  };
  const fired = (s: Partial<RiskSubject>) => assessCollapseRisk({ ...base, ...s }, DEFAULT_COLLAPSE_RISK);

  it('fires each rule on its own case, with its level and citation', () => {
    const cases: [Partial<RiskSubject>, string, string, string | null][] = [
      [{ maxDepth: 0, meanDepth: 0, realFraction: 1 }, 'REAL_ONLY', 'LOW', null],
      [{ regime: 'REPLACE', maxDepth: 2, realFraction: 0.6 }, 'REPLACED_REAL_DEEP', 'HIGH', CITATIONS.shumailov],
      [{ regime: null, maxDepth: 3, realFraction: 0.05, syntheticToRealRatio: null }, 'REPLACED_REAL_DEEP', 'HIGH', CITATIONS.shumailov],
      [{ regime: 'REPLACE', maxDepth: 1 }, 'REPLACE_SHALLOW', 'MEDIUM', CITATIONS.alemohammad],
      [{ maxDepth: 4, realFraction: 0.2, syntheticToRealRatio: null }, 'THIN_REAL_DEEP_CHAIN', 'HIGH', CITATIONS.bertrand],
      [{ maxDepth: 3, realFraction: 0.2, syntheticToRealRatio: null }, 'THIN_REAL', 'MEDIUM', CITATIONS.bertrand],
      [{ maxDepth: 3, realFraction: 0.6 }, 'ACCUMULATE_STABLE', 'LOW', CITATIONS.gerstgrasser],
      [{ maxDepth: 1 }, 'ONE_GENERATION', 'LOW', null],
      [{ syntheticToRealRatio: 1.5, realFraction: 0.4 }, 'SYNTHETIC_OUTWEIGHS_REAL', 'MEDIUM', CITATIONS.alemohammad],
      [{ deduplicated: false, humanReviewedFraction: 0 }, 'UNCURATED', 'MEDIUM', CITATIONS.ferbach],
      [{ deduplicated: false }, 'NOT_DEDUPLICATED', 'LOW', null],
      [{ humanReviewedFraction: 0 }, 'NOT_REVIEWED', 'LOW', null],
      [{ humanReviewedFraction: 0.3 }, 'HUMAN_REVIEWED', 'LOW', CITATIONS.ferbach],
      [
        { minorityLosses: [{ component: '"S" 1.0.0', attribute: 'language', group: 'sw', vanished: true }] },
        'MINORITY_GROUP_LOST',
        'MEDIUM',
        CITATIONS.shumailov,
      ],
    ];
    for (const [subject, rule, level, citation] of cases) {
      const risk = fired(subject);
      const finding = risk.findings.find((f) => f.rule === rule);
      expect(finding, `${rule} on ${JSON.stringify(subject)}`).toMatchObject({ level, citation });
      expect(risk.level === 'HIGH' || level !== 'HIGH').toBe(true);
    }
    // The ratio rule: at 1:1 it holds, above it fires; ACCUMULATE with a kept real share and ratio ≤ 1 is LOW.
    expect(fired({ syntheticToRealRatio: 1, realFraction: 0.5, maxDepth: 3 }).level).toBe('LOW');
    expect(fired({ syntheticToRealRatio: 1.01, realFraction: 0.49, maxDepth: 3 }).level).toBe('MEDIUM');
    // REPLACE at depth ≥ 2 is the worst whatever the real share.
    expect(fired({ regime: 'REPLACE', maxDepth: 2, realFraction: 0.9, syntheticToRealRatio: 0.1 }).level).toBe('HIGH');
    // Thresholds are settings: raising the replace depth to 3 takes a two-generation REPLACE mix down to MEDIUM.
    const lenient = assessCollapseRisk({ ...base, regime: 'REPLACE', maxDepth: 2 }, { ...DEFAULT_COLLAPSE_RISK, replaceDepth: 3 });
    expect(lenient.level).toBe('MEDIUM');
  });
});
