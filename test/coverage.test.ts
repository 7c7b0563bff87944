import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { OPEN_TERMS, dataFile, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let alpha: Org;
let beta: Org;
let buyer: Org;

const TAG = 'coverage-calc';
const REAL_PROVENANCE = { collectionMethod: 'SURVEY', consentBasis: 'EXPLICIT_CONSENT' };
const REPORT_FIELDS = `id attribute totalCount smallestGroupShare imbalanceRatio evenness attestedBy attestation
  inheritedFrom { id } version { id } groups { value count share referenceShare inheritedShare flag }`;
const ATTACH = `mutation($input: AttachCoverageReportInput!) { attachCoverageReport(input: $input) { coverageReport { ${REPORT_FIELDS} } } }`;
const COVERAGE = `query($id: ID!) { datasetVersion(id: $id) { coverage { ${REPORT_FIELDS} } croissant } }`;
const FILTER = `query($coverage: CoverageFilter!) { datasets(filter: { tags: ["${TAG}"], coverage: $coverage }, orderBy: TITLE) { nodes { title } } }`;

async function publish(title: string, kind: 'REAL' | 'SYNTHETIC', rows: number, provenance: Record<string, unknown>) {
  return (
    await publishDataset(
      app,
      alpha,
      { title, kind, terms: OPEN_TERMS, tags: [TAG], modality: 'TEXT' },
      { provenance, files: [dataFile('data/train.jsonl', `{"title":"${title}"}\n`, rows)] },
    )
  ).versionId;
}

const groups = (counts: Record<string, number>) => Object.entries(counts).map(([value, count]) => ({ value, count: String(count) }));

async function attach(versionId: string, counts: Record<string, number>, key = alpha.key, extra: Record<string, unknown> = {}) {
  return ok(
    await app.gql(
      ATTACH,
      {
        input: { versionId, attribute: 'language', groups: groups(counts), attestedBy: 'Alpha data team', attestation: 'VENDOR', ...extra },
      },
      key,
    ),
  ).attachCoverageReport.coverageReport;
}

const titles = async (coverage: Record<string, unknown>) =>
  ok(await app.gql(FILTER, { coverage })).datasets.nodes.map((n: { title: string }) => n.title);

beforeAll(async () => {
  app = await startTestApp();
  [alpha, beta, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
});
afterAll(async () => {
  await app?.close();
});

describe('coverage reports', () => {
  // R1 (en 900, fr 80, sw 20)   R2 (en 500, fr 300, sw 200)
  //      \ 1000 rows            / 3000 rows
  //       S (SYNTHETIC): reports en 760, fr 240, sw 0    S2 (from R2 only): en 700, fr 250, sw 50
  let r1: string, r2: string, s: string, s2: string;

  beforeAll(async () => {
    r1 = await publish('A real one', 'REAL', 1000, REAL_PROVENANCE);
    r2 = await publish('B real two', 'REAL', 1000, REAL_PROVENANCE);
    s = await publish('C synthetic', 'SYNTHETIC', 4000, {
      method: 'LLM_GENERATION',
      generator: { model: 'gen-1' },
      sources: [
        { versionId: r1, role: 'SEED', rowsUsed: '1000' },
        { versionId: r2, role: 'SEED', rowsUsed: '3000' },
      ],
      curation: [{ kind: 'DEDUP', rowsIn: '5000', rowsOut: '4000' }],
    });
    s2 = await publish('D synthetic two', 'SYNTHETIC', 1000, {
      method: 'LLM_GENERATION',
      generator: { model: 'gen-1' },
      sources: [{ versionId: r2, role: 'SEED', rowsUsed: '1000' }],
      curation: [{ kind: 'DEDUP', rowsIn: '2000', rowsOut: '1000' }],
    });
  });

  it('computes shares, the smallest group, the imbalance ratio and normalized evenness by hand', async () => {
    const report = await attach(r1, { en: 900, fr: 80, sw: 20 });
    expect(report.id).toMatch(/^cov_/);
    expect(report.groups.map((g: { share: number }) => g.share)).toEqual([0.9, 0.08, 0.02]);
    expect(report).toMatchObject({
      totalCount: '1000',
      smallestGroupShare: 0.02,
      imbalanceRatio: 45,
      attestation: 'VENDOR',
      inheritedFrom: [],
    });
    // H = −(0.9 ln 0.9 + 0.08 ln 0.08 + 0.02 ln 0.02) = 0.375123; evenness = H / ln 3 = 0.341450
    expect(report.evenness).toBeCloseTo(0.34145, 4);
    // A REAL version inherits nothing.
    expect(report.groups.every((g: { inheritedShare: null; flag: null }) => g.inheritedShare === null && g.flag === null)).toBe(true);
    const even = await attach(r2, { en: 500, fr: 300, sw: 200 });
    // H = −(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2) = 1.029653; / ln 3 = 0.937231
    expect(even).toMatchObject({ smallestGroupShare: 0.2, imbalanceRatio: 2.5 });
    expect(even.evenness).toBeCloseTo(0.93723, 4);
  });

  it('computes inherited coverage for a synthetic version, rows-weighted, and flags groups that vanished or fell', async () => {
    const report = await attach(s, { en: 760, fr: 240, sw: 0 });
    // Inherited: en = (1000 × 0.9 + 3000 × 0.5) / 4000 = 0.6; fr = (80 + 900) / 4000 = 0.245; sw = (20 + 600) / 4000 = 0.155
    expect(report.inheritedFrom.map((v: { id: string }) => v.id).sort()).toEqual([r1, r2].sort());
    expect(report.groups).toEqual([
      { value: 'en', count: '760', share: 0.76, referenceShare: null, inheritedShare: 0.6, flag: null },
      // 0.24 is above 0.245 × (1 − 0.2) = 0.196: not flagged
      { value: 'fr', count: '240', share: 0.24, referenceShare: null, inheritedShare: 0.245, flag: null },
      { value: 'sw', count: '0', share: 0, referenceShare: null, inheritedShare: 0.155, flag: 'VANISHED' },
    ]);
    // A group with no rows leaves the imbalance unbounded.
    expect(report.imbalanceRatio).toBeNull();
    const fell = await attach(s2, { en: 700, fr: 300 }, alpha.key, { attestation: 'THIRD_PARTY', attestedBy: 'Auditor Ltd' });
    // Only R2 (en 0.5, fr 0.3, sw 0.2): sw is not listed at all -> appended with count 0 and VANISHED
    expect(fell.groups).toEqual([
      { value: 'en', count: '700', share: 0.7, referenceShare: null, inheritedShare: 0.5, flag: null },
      { value: 'fr', count: '300', share: 0.3, referenceShare: null, inheritedShare: 0.3, flag: null },
      { value: 'sw', count: '0', share: 0, referenceShare: null, inheritedShare: 0.2, flag: 'VANISHED' },
    ]);
    const shrank = await attach(s2, { en: 700, fr: 250, sw: 50 });
    // sw 0.05 < 0.2 × 0.8 = 0.16: FELL
    expect(shrank.groups.find((g: { value: string }) => g.value === 'sw')).toMatchObject({
      share: 0.05,
      inheritedShare: 0.2,
      flag: 'FELL',
    });
    // Newest first on the version.
    const listed = ok(await app.gql(COVERAGE, { id: s2 }, buyer.key)).datasetVersion.coverage;
    expect(listed.map((r: { id: string }) => r.id)).toEqual([shrank.id, fell.id]);
    expect(
      ok(await app.gql(`query($id: ID!) { node(id: $id) { id ... on CoverageReport { attribute } } }`, { id: shrank.id })).node,
    ).toEqual({
      id: shrank.id,
      attribute: 'language',
    });
  });

  it('carries the newest report per attribute in Croissant’s RAI fields', async () => {
    const { croissant } = ok(await app.gql(COVERAGE, { id: r1 })).datasetVersion;
    expect(croissant['rai:dataBiases']).toEqual([
      'Coverage of language (attested by Alpha data team, VENDOR): en 90% (900), fr 8% (80), sw 2% (20); smallest group 2%, imbalance 45:1, evenness 0.341',
    ]);
  });

  it('flows into a mix: coverage per attribute, smallest groups first, and a lost minority group raises the risk', async () => {
    const mix = ok(
      await app.gql(
        `mutation($input: CreateTrainingMixInput!) { createTrainingMix(input: $input) { trainingMix {
          coverage { attribute coveredRows coveredShare groups { value count share } }
          collapseRisk { level findings { rule message citation } } } } }`,
        {
          input: {
            name: 'With coverage',
            regime: 'ACCUMULATE',
            intendedUse: ['MODEL_TRAINING'],
            components: [
              { versionId: r1, rows: '1000' },
              { versionId: s, rows: '3000' },
            ],
          },
        },
        buyer.key,
      ),
    ).createTrainingMix.trainingMix;
    // en = (1000 × 0.9 + 3000 × 0.76) / 4000 = 0.795; fr = (80 + 720) / 4000 = 0.2; sw = (20 + 0) / 4000 = 0.005
    expect(mix.coverage).toEqual([
      {
        attribute: 'language',
        coveredRows: '4000',
        coveredShare: 1,
        groups: [
          { value: 'sw', count: '20', share: 0.005 },
          { value: 'fr', count: '800', share: 0.2 },
          { value: 'en', count: '3180', share: 0.795 },
        ],
      },
    ]);
    const lost = mix.collapseRisk.findings.find((f: { rule: string }) => f.rule === 'MINORITY_GROUP_LOST');
    expect(lost.message).toBe(
      '"C synthetic" 1.0.0: language group "sw" vanished against its sources: the tails of the distribution go first',
    );
    expect(lost.citation).toContain('Shumailov');
    expect(mix.collapseRisk.level).toBe('MEDIUM');
  });

  it('filters the catalog on the latest version’s newest report: attribute, group, minimum share or count', async () => {
    // sw shares: R1 0.02, R2 0.2, S 0, S2 0.05 (its newest report); sw counts: 20, 200, 0, 50
    expect(await titles({ attribute: 'language', group: 'sw', minShare: 0.1 })).toEqual(['B real two']);
    expect(await titles({ attribute: 'language', group: 'sw', minShare: 0.02 })).toEqual(['A real one', 'B real two', 'D synthetic two']);
    expect(await titles({ attribute: 'language', group: 'sw', minCount: '50' })).toEqual(['B real two', 'D synthetic two']);
    expect(await titles({ attribute: 'language', group: 'sw', minShare: 0.01, minCount: '100' })).toEqual(['B real two']);
    expect(await titles({ attribute: 'region', group: 'sw', minShare: 0 })).toEqual([]);
    expect(await titles({ attribute: 'language', group: 'xx', minShare: 0 })).toEqual([]);
    // A newer report replaces the old one for the filter.
    await attach(r1, { en: 700, fr: 100, sw: 200 });
    expect(await titles({ attribute: 'language', group: 'sw', minShare: 0.1 })).toEqual(['A real one', 'B real two']);
    expectError(await app.gql(FILTER, { coverage: { attribute: 'language', group: 'sw' } }), 'BAD_USER_INPUT', 'filter.coverage.minShare');
  });

  it('lets the vendor or an admin (as a third party) attach, nobody else', async () => {
    const input = {
      versionId: r2,
      attribute: 'region',
      groups: groups({ eu: 10, us: 5 }),
      attestedBy: 'Someone',
      attestation: 'THIRD_PARTY',
    };
    expectError(await app.gql(ATTACH, { input }), 'UNAUTHENTICATED');
    expectError(await app.gql(ATTACH, { input }, buyer.key), 'FORBIDDEN');
    expectError(await app.gql(ATTACH, { input }, beta.key), 'FORBIDDEN');
    expectError(await app.gql(ATTACH, { input: { ...input, attestation: 'VENDOR' } }, ADMIN_KEY), 'BAD_USER_INPUT', 'input.attestation');
    const staff = ok(await app.gql(ATTACH, { input }, ADMIN_KEY)).attachCoverageReport.coverageReport;
    expect(staff).toMatchObject({ attribute: 'region', attestation: 'THIRD_PARTY', attestedBy: 'Someone' });
    expect(ok(await app.gql(COVERAGE, { id: r2 })).datasetVersion.coverage.map((r: { id: string }) => r.id)).toContain(staff.id);
  });

  it('refuses bad input with the field named', async () => {
    const input = (extra: Record<string, unknown>) => ({
      input: { versionId: r1, attribute: 'language', groups: groups({ en: 1 }), attestedBy: 'x', attestation: 'VENDOR', ...extra },
    });
    const cases: [Record<string, unknown>, string][] = [
      [input({ attribute: 'Language' }), 'input.attribute'],
      [input({ groups: [] }), 'input.groups'],
      [input({ groups: [{ value: 'en', count: '-1' }] }), 'input.groups.0.count'],
      [input({ groups: [{ value: 'en', count: '0' }] }), 'input.groups'],
      [
        input({
          groups: [
            { value: 'en', count: '1' },
            { value: 'en', count: '2' },
          ],
        }),
        'input.groups.1.value',
      ],
      [input({ groups: [{ value: '', count: '1' }] }), 'input.groups.0.value'],
      [input({ groups: [{ value: 'en', count: '1', referenceShare: 1.5 }] }), 'input.groups.0.referenceShare'],
      [
        input({
          groups: [
            { value: 'en', count: '1', referenceShare: 0.7 },
            { value: 'fr', count: '1', referenceShare: 0.7 },
          ],
        }),
        'input.groups',
      ],
      [input({ attestedBy: '' }), 'input.attestedBy'],
      [input({ versionId: 'dsv_00000000000000000000000000' }), 'input.versionId'],
    ];
    for (const [variables, field] of cases) {
      const res = await app.gql(ATTACH, variables, alpha.key);
      expectError(res, field === 'input.versionId' ? 'NOT_FOUND' : 'BAD_USER_INPUT', field);
    }
  });
});
