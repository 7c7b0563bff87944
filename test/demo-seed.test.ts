import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareSemver, SEMVER } from '../src/catalog/semver.js';
import { DEMO_VENDORS, type DemoDataset } from '../src/demo/catalog-data.js';
import { newDemoKeys } from '../src/demo/keys.js';
import { DEMO_ROWS_PER_FILE, demoDatasetCount, seedDemo, type SeedResult } from '../src/demo/seed.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { ok, signUp } from './support/fixtures.js';

const ALL_DATASETS: DemoDataset[] = DEMO_VENDORS.flatMap((v) => v.datasets);
const MODALITIES = ['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'TABULAR', 'CODE', 'MULTIMODAL'];

let app: TestApp;
let first: SeedResult;
const DEMO_KEYS = newDemoKeys();
beforeAll(async () => {
  app = await startTestApp();
  // The test app already has a bootstrap admin (ADMIN_KEY): the seed must work next to it.
  first = await seedDemo(app.parts, DEMO_KEYS);
});
afterAll(async () => {
  await app?.close();
});

/** Row counts of what the seed writes, read directly from the database. */
async function counts(target: TestApp): Promise<Record<string, unknown>> {
  const { rows } = await target.database.pool.query<Record<string, unknown>>(`
    SELECT (SELECT count(*)::int FROM organizations) AS organizations,
           (SELECT count(*)::int FROM users) AS users,
           (SELECT count(*)::int FROM api_keys) AS api_keys,
           (SELECT count(*)::int FROM datasets) AS datasets,
           (SELECT count(*)::int FROM dataset_versions) AS versions,
           (SELECT count(*)::int FROM data_files) AS files,
           (SELECT max(updated_at) FROM datasets)::text AS datasets_updated`);
  return rows[0]!;
}

const CATALOG = `{
  datasets(first: 100) {
    totalCount
    nodes {
      fullSlug title kind modality status tags
      vendor { slug }
      versions(first: 5) { totalCount nodes { version status } }
      latestVersion { version rowCount byteSize files { path } }
    }
  }
}`;

describe('demo catalog data', () => {
  it('has at least 3 vendors and 26 datasets mixing kinds across all modalities', () => {
    expect(DEMO_VENDORS.length).toBeGreaterThanOrEqual(3);
    expect(DEMO_VENDORS[0]!.slug).toBe('northwind-data');
    expect(ALL_DATASETS.length).toBeGreaterThanOrEqual(26);
    const kinds = (k: string) => ALL_DATASETS.filter((d) => d.kind === k).length;
    expect(kinds('REAL')).toBeGreaterThanOrEqual(12);
    expect(kinds('SYNTHETIC')).toBeGreaterThanOrEqual(7);
    expect(kinds('HYBRID')).toBeGreaterThanOrEqual(3);
    expect(new Set(ALL_DATASETS.map((d) => d.modality))).toEqual(new Set(MODALITIES));
    expect(ALL_DATASETS.filter((d) => d.versions.length >= 2).length).toBeGreaterThan(ALL_DATASETS.length * 0.75);
    expect(new Set(ALL_DATASETS.map((d) => d.terms.spdxId)).size).toBeGreaterThanOrEqual(6);
    expect(ALL_DATASETS.some((d) => !d.terms.commercialUse)).toBe(true);
    expect(ALL_DATASETS.some((d) => !d.terms.derivatives)).toBe(true);
    expect(ALL_DATASETS.some((d) => !d.terms.syntheticGeneration)).toBe(true);
  });

  it.each(ALL_DATASETS.map((d) => [d.slug, d] as const))('%s is complete and consistent', (_slug, d) => {
    expect(d.summary).not.toMatch(/\n/);
    expect(d.description.length).toBeGreaterThan(400);
    expect(d.tags.length).toBeGreaterThanOrEqual(2);
    expect(d.tags.length).toBeLessThanOrEqual(5);
    for (const tag of d.tags) expect(tag).toMatch(/^[a-z0-9][a-z0-9+.-]{0,39}$/);
    if (d.kind === 'REAL') {
      expect(d.provenance.collectionMethod).toBeDefined();
      expect(d.provenance.consentBasis).toBeDefined();
      expect(d.provenance.method).toBeUndefined();
    } else {
      expect(d.provenance.method).toBeDefined();
      if (d.kind === 'HYBRID') expect(d.provenance.realFraction).toBeGreaterThan(0);
    }
    expect(d.versions.length).toBeGreaterThanOrEqual(1);
    expect(d.versions.length).toBeLessThanOrEqual(4);
    d.versions.forEach((v, i) => {
      expect(v.version).toMatch(SEMVER);
      if (i > 0) expect(compareSemver(v.version, d.versions[i - 1]!.version)).toBeGreaterThan(0);
      expect(v.changelog.length).toBeGreaterThan(5);
      const columns = (v.columns ?? d.columns).map((c) => c.name);
      expect(columns.length).toBeGreaterThanOrEqual(3);
      expect(columns.length).toBeLessThanOrEqual(8);
      expect(new Set(columns).size).toBe(columns.length);
      const sample = v.sample ?? d.sample;
      expect(sample.length).toBeGreaterThanOrEqual(2);
      expect(sample.length).toBeLessThanOrEqual(3);
      for (const row of sample) expect(Object.keys(row).sort(), `${d.slug}@${v.version}`).toEqual([...columns].sort());
      const provenance = { ...d.provenance, ...v.provenance };
      for (const source of provenance.sources ?? []) {
        const cited = ALL_DATASETS.find((c) => source.dataset.endsWith(`/${c.slug}`));
        expect(
          cited?.versions.map((cv) => cv.version),
          `${d.slug} cites ${source.dataset}`,
        ).toContain(source.version);
      }
      for (const step of provenance.curation ?? []) {
        expect(step.rowsOut).toBeLessThanOrEqual(step.rowsIn);
        expect(step.reviewedFraction !== undefined).toBe(step.kind === 'HUMAN_REVIEW');
      }
      expect(v.files.length).toBeGreaterThan(0);
      expect(new Set(v.files.map((f) => f.path)).size).toBe(v.files.length);
      for (const f of v.files) {
        expect(Number.isSafeInteger(f.byteSize) && f.byteSize > 0).toBe(true);
        expect(Number.isSafeInteger(f.rowCount) && f.rowCount > 0).toBe(true);
      }
    });
  });
});

describe('seedDemo', () => {
  it('creates the demo catalog on a fresh database', () => {
    expect(first).toEqual({ created: true, datasets: demoDatasetCount(), keys: DEMO_KEYS });
  });

  it('publishes every dataset and version, visible through the public API', async () => {
    const { datasets } = ok(await app.gql(CATALOG));
    expect(datasets.totalCount).toBeGreaterThanOrEqual(25);
    expect(datasets.totalCount).toBe(ALL_DATASETS.length);
    const nodes: any[] = datasets.nodes;
    expect(new Set(nodes.map((d) => d.vendor.slug)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(nodes.map((d) => d.kind))).toEqual(new Set(['REAL', 'SYNTHETIC', 'HYBRID']));
    expect(new Set(nodes.map((d) => d.modality))).toEqual(new Set(MODALITIES));
    expect(nodes.every((d) => d.status === 'PUBLISHED')).toBe(true);
    expect(nodes.filter((d) => d.versions.totalCount >= 2).length).toBeGreaterThan(nodes.length / 2);

    for (const vendor of DEMO_VENDORS) {
      for (const d of vendor.datasets) {
        const listed = nodes.find((n) => n.fullSlug === `${vendor.slug}/${d.slug}`);
        expect(listed, d.slug).toBeDefined();
        // Newest version first, all published; the latest is the last one declared.
        expect(listed.versions.nodes.map((v: { version: string }) => v.version)).toEqual(d.versions.map((v) => v.version).reverse());
        expect(listed.versions.nodes.every((v: { status: string }) => v.status === 'PUBLISHED')).toBe(true);
        const latest = d.versions.at(-1)!;
        expect(listed.latestVersion.version).toBe(latest.version);
        expect(listed.latestVersion.files).toHaveLength(latest.files.length);
        // Demo files are small but real: each holds up to DEMO_ROWS_PER_FILE rows cycled from the sample.
        expect(Number(listed.latestVersion.rowCount)).toBe(latest.files.reduce((n, f) => n + Math.min(f.rowCount, DEMO_ROWS_PER_FILE), 0));
        expect(Number(listed.latestVersion.byteSize)).toBeGreaterThan(0);
      }
    }
  });

  it('lists the newest datasets from several vendors first', async () => {
    const { datasets } = ok(await app.gql(`{ datasets(first: 6) { nodes { vendor { slug } } } }`));
    expect(new Set(datasets.nodes.map((d: any) => d.vendor.slug)).size).toBeGreaterThanOrEqual(3);
  });

  it('gives working demo keys for the admin, the vendor owner and the buyer', async () => {
    const viewer = `{ viewer { user { name role } organization { slug kind vendorStatus } platformRole } }`;
    const admin = ok(await app.gql(viewer, {}, DEMO_KEYS.admin)).viewer;
    expect(admin.platformRole).toBe('ADMIN');
    expect(admin.organization).toBeNull();

    const vendor = ok(await app.gql(viewer, {}, DEMO_KEYS.vendor)).viewer;
    expect(vendor.organization).toEqual({ slug: 'northwind-data', kind: 'VENDOR', vendorStatus: 'APPROVED' });
    expect(vendor.user.role).toBe('OWNER');

    const buyer = ok(await app.gql(viewer, {}, DEMO_KEYS.buyer)).viewer;
    expect(buyer.organization).toMatchObject({ slug: 'helix-ai', kind: 'BUYER' });
    expect(buyer.user.role).toBe('OWNER');

    // The bootstrap admin still works next to the demo admin.
    expect(ok(await app.gql(viewer, {}, ADMIN_KEY)).viewer.platformRole).toBe('ADMIN');
  });

  it('gives the demo organizations more than one member', async () => {
    const members = `{ viewer { organization { members { role } } } }`;
    const vendorRoles = ok(await app.gql(members, {}, DEMO_KEYS.vendor)).viewer.organization.members.map((m: any) => m.role);
    expect(vendorRoles.sort()).toEqual(['MEMBER', 'OWNER']);
    const buyerRoles = ok(await app.gql(members, {}, DEMO_KEYS.buyer)).viewer.organization.members.map((m: any) => m.role);
    expect(buyerRoles.sort()).toEqual(['MEMBER', 'OWNER']);
  });

  it('lets the demo vendor see its own catalog and lets full-text search find datasets by title words', async () => {
    const own = ok(await app.gql(`{ datasets(filter: { vendor: "northwind-data" }, first: 100) { totalCount } }`, {}, DEMO_KEYS.vendor));
    expect(own.datasets.totalCount).toBe(DEMO_VENDORS[0]!.datasets.length);

    const search = `query($q: String!) { datasets(filter: { search: $q }, first: 10) { nodes { fullSlug } } }`;
    const podcasts = ok(await app.gql(search, { q: 'podcast' }, DEMO_KEYS.buyer)).datasets.nodes.map((d: any) => d.fullSlug);
    expect(podcasts[0]).toBe('cadence-audio/podcast-aligned-transcripts');
    const invoices = ok(await app.gql(search, { q: 'invoice' })).datasets.nodes.map((d: any) => d.fullSlug);
    expect(invoices).toContain('northwind-data/b2b-invoices-eu');
  });

  it('declares provenance, so lineage traces synthetic data back to its real roots', async () => {
    const q = `query($slug: String!) { dataset(slug: $slug) { kind latestVersion {
      provenance { method collectionMethod consentBasis sources { role version { version dataset { fullSlug } } } }
      lineage { generationDepth realFraction roots { dataset { fullSlug } } collapseRisk { level } }
    } } }`;
    const lineageOf = async (slug: string) => ok(await app.gql(q, { slug }, DEMO_KEYS.buyer)).dataset.latestVersion;

    const real = await lineageOf('northwind-data/support-tickets-en');
    expect(real.provenance).toMatchObject({ method: null, collectionMethod: 'USER_GENERATED_CONTENT', consentBasis: 'CONTRACT' });
    expect(real.lineage).toMatchObject({ generationDepth: 0, realFraction: 1 });

    const dialogues = await lineageOf('northwind-data/support-dialogues-synthetic');
    expect(dialogues.provenance.sources).toEqual([
      { role: 'SEED', version: { version: '2.0.0', dataset: { fullSlug: 'northwind-data/support-tickets-en' } } },
    ]);
    expect(dialogues.lineage.generationDepth).toBe(1);
    expect(dialogues.lineage.roots.map((r: any) => r.dataset.fullSlug)).toEqual(['northwind-data/support-tickets-en']);

    // Across vendors through open (CC0) terms.
    const charts = await lineageOf('synthetica-labs/synthetic-chart-qa');
    expect(charts.lineage.roots.map((r: any) => r.dataset.fullSlug)).toEqual(['northwind-data/sec-financial-statements']);

    // 1.1.0 was partly generated from 1.0.0's synthetic functions: two generations deep.
    const functions = await lineageOf('synthetica-labs/python-functions-with-tests');
    expect(functions.lineage.generationDepth).toBe(2);

    const hybrid = await lineageOf('cadence-audio/far-field-speech-augmented');
    expect(hybrid.lineage.realFraction).toBeGreaterThan(0);
    expect(hybrid.lineage.realFraction).toBeLessThan(1);
  });

  it('derives at least five SYNTHETIC and two HYBRID datasets from its REAL ones', () => {
    const real = new Set(DEMO_VENDORS.flatMap((v) => v.datasets.filter((d) => d.kind === 'REAL').map((d) => `${v.slug}/${d.slug}`)));
    const derived = (kind: string) =>
      ALL_DATASETS.filter((d) => d.kind === kind && (d.provenance.sources ?? []).some((s) => real.has(s.dataset))).length;
    expect(derived('SYNTHETIC')).toBeGreaterThanOrEqual(5);
    expect(derived('HYBRID')).toBeGreaterThanOrEqual(2);
  });

  it('attaches coverage reports, one of a synthetic version that lost a minority group', async () => {
    const q = `query($slug: String!) { dataset(slug: $slug) { latestVersion { coverage { attribute attestation groups { value flag } } } } }`;
    const coverageOf = async (slug: string) => ok(await app.gql(q, { slug })).dataset.latestVersion.coverage;
    expect((await coverageOf('northwind-data/support-tickets-en'))[0]).toMatchObject({ attribute: 'region', attestation: 'VENDOR' });
    expect((await coverageOf('cadence-audio/read-speech-12-languages'))[0].attribute).toBe('language');
    const lost = (await coverageOf('northwind-data/support-tickets-paraphrased'))[0];
    expect(lost.groups.find((g: { value: string }) => g.value === 'latam').flag).toBe('VANISHED');
    const kept = (await coverageOf('northwind-data/support-tickets-augmented'))[0];
    expect(kept.attestation).toBe('THIRD_PARTY');
    expect(kept.groups.every((g: { flag: string | null }) => g.flag === null)).toBe(true);
  });

  it('gives the demo buyer a REPLACE mix scored HIGH and an ACCUMULATE mix scored LOW', async () => {
    const mixes = ok(
      await app.gql(
        `{ trainingMixes { nodes { name regime realFraction maxGenerationDepth collapseRisk { level reasons findings { rule citation } } } } }`,
        {},
        DEMO_KEYS.buyer,
      ),
    ).trainingMixes.nodes;
    const replace = mixes.find((m: { regime: string }) => m.regime === 'REPLACE');
    expect(replace).toMatchObject({ realFraction: 0, maxGenerationDepth: 2, collapseRisk: { level: 'HIGH' } });
    expect(replace.collapseRisk.findings.map((f: { rule: string }) => f.rule)).toEqual(
      expect.arrayContaining(['REPLACED_REAL_DEEP', 'SYNTHETIC_OUTWEIGHS_REAL', 'MINORITY_GROUP_LOST']),
    );
    expect(replace.collapseRisk.reasons.length).toBeGreaterThanOrEqual(3);
    const accumulate = mixes.find((m: { regime: string }) => m.regime === 'ACCUMULATE');
    // 150 real tickets + 50 augmented (half real) + 50 dialogues + 25 second-generation: 175 / 275 real.
    expect(accumulate.realFraction).toBeCloseTo(175 / 275, 9);
    expect(accumulate.collapseRisk.level).toBe('LOW');
    expect(accumulate.collapseRisk.findings[0]).toMatchObject({
      rule: 'ACCUMULATE_STABLE',
      citation: expect.stringContaining('Gerstgrasser'),
    });
    // Private to the buyer.
    expect(ok(await app.gql(`{ trainingMixes { totalCount } }`, {}, DEMO_KEYS.vendor)).trainingMixes.totalCount).toBe(0);
  });

  it('records opt-out evidence (robots.txt, TDMRep, AI preferences) on every web-scraped demo version', async () => {
    const scraped = DEMO_VENDORS.flatMap((v) =>
      v.datasets.filter((d) => d.provenance.collectionMethod === 'WEB_SCRAPING').map((d) => `${v.slug}/${d.slug}`),
    );
    expect(scraped.length).toBeGreaterThanOrEqual(1);
    const q = `query($slug: String!) { dataset(slug: $slug) { versions(first: 10) { nodes { version optOutEvidence { signal sha256 reserved } } } } }`;
    for (const slug of scraped) {
      const versions = ok(await app.gql(q, { slug }, DEMO_KEYS.buyer)).dataset.versions.nodes as any[];
      for (const v of versions) {
        expect(v.optOutEvidence.map((e: any) => e.signal).sort(), `${slug}@${v.version}`).toEqual([
          'AI_PREFERENCES',
          'ROBOTS_TXT',
          'TDMREP',
        ]);
        expect(v.optOutEvidence.every((e: any) => /^[0-9a-f]{64}$/.test(e.sha256))).toBe(true);
      }
    }
  });

  it('changes nothing when run a second time', async () => {
    const before = await counts(app);
    expect(before).toMatchObject({
      organizations: DEMO_VENDORS.length + 1,
      datasets: ALL_DATASETS.length,
      versions: ALL_DATASETS.reduce((n, d) => n + d.versions.length, 0),
    });
    const again = await seedDemo(app.parts, DEMO_KEYS);
    expect(again).toMatchObject({ created: false, datasets: ALL_DATASETS.length, keys: DEMO_KEYS });
    // Keys that are not the demo accounts' (their file was replaced) are not handed out as if they worked.
    expect((await seedDemo(app.parts, newDemoKeys())).keys).toBeUndefined();
    expect(await counts(app)).toEqual(before);
  });

  it('leaves a database that already has organizations alone', async () => {
    const other = await startTestApp();
    try {
      await signUp(other, 'VENDOR');
      const before = await counts(other);
      expect(await seedDemo(other.parts, newDemoKeys())).toMatchObject({
        created: false,
        skipped: 'NOT_EMPTY',
      });
      expect(await counts(other)).toEqual(before);
      expect(ok(await other.gql(`{ datasets { totalCount } }`)).datasets.totalCount).toBe(0);
    } finally {
      await other.close();
    }
  });

  // One whole seed while the other waits behind the advisory lock: slow on a loaded machine.
  it('seeds concurrently started runs only once', async () => {
    const other = await startTestApp();
    try {
      const results = await Promise.all([seedDemo(other.parts, DEMO_KEYS), seedDemo(other.parts, DEMO_KEYS)]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect((await counts(other)).datasets).toBe(ALL_DATASETS.length);
    } finally {
      await other.close();
    }
  }, 120_000);
});
