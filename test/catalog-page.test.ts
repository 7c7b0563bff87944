import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { ARCHIVE_OFFER, createOffer } from './support/commerce.js';
import { OPEN_TERMS, dataFile, ok, publishDataset, signUp, uniqueSlug, type Org } from './support/fixtures.js';

// A catalog page reads its listings' vendors, latest versions, lineage and offers in its own statement; what it
// answers must be exactly what the per-field loaders answer for the same listings one by one.

let app: TestApp;
let vendor: Org;
let other: Org;
let buyer: Org;
let tag: string;
const ids: Record<string, string> = {};

const NODE_FIELDS = `id slug title summary description kind modality tags status publishedAt fullSlug
  vendor { id slug name kind }
  terms { spdxId commercialUse modelTraining derivatives syntheticGeneration redistribution attributionRequired }
  latestVersion {
    id version status rowCount byteSize publishedAt manifestSha256 sample
    lineage {
      generationDepth realFraction humanReviewedFraction attributions
      inheritedTerms { commercialUse derivatives syntheticGeneration attributionRequired }
      retractedAncestors { id } collapseRisk { level reasons }
    }
  }
  offers { id name active pricingModel currency amountCents usageUnit unitAmountCents includedUnits usageCap requiresApproval royaltyBps }`;

const PAGE = `query($tag: String!, $first: Int, $kinds: [DatasetKind!]) {
  datasets(first: $first, filter: { tags: [$tag], kinds: $kinds }) { edges { cursor node { ${NODE_FIELDS} } } } }`;
const ONE = `query($id: ID!) { dataset(id: $id) { ${NODE_FIELDS} } }`;

const page = async (query: string, key?: string, kinds?: string[]) => {
  const res = await app.gql(query, { tag, first: 20, kinds }, key);
  const { edges, nodes } = ok(res).datasets;
  return { nodes: nodes ?? edges.map((e: { node: unknown }) => e.node), statements: Number(res.headers.get('x-sql-statements')) };
};

beforeAll(async () => {
  app = await startTestApp();
  [vendor, other, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  tag = uniqueSlug('page').replace(/[^a-z0-9-]/g, '');
  // A real root, a synthetic child of it (whose root is later retracted), a listing without offers, and one of
  // another vendor with an archived offer beside an active one.
  const root = await publishDataset(app, vendor, { title: 'Root recordings', kind: 'REAL', tags: [tag] });
  const child = await publishDataset(
    app,
    vendor,
    { title: 'Generated from root', kind: 'SYNTHETIC', tags: [tag] },
    { provenance: { method: 'SIMULATION', sources: [{ versionId: root.versionId, role: 'SEED', rowsUsed: '10' }] } },
  );
  // Beyond 2^53: a row count that a JSON number would round.
  const bare = await publishDataset(
    app,
    vendor,
    { title: 'No offers yet', kind: 'REAL', tags: [tag] },
    { files: [{ ...dataFile('data/big.jsonl', '{"id":"2"}\n'), rowCount: '9007199254740993' }] },
  );
  const foreign = await publishDataset(app, other, {
    title: 'Another vendor',
    kind: 'REAL',
    tags: [tag],
    terms: { ...OPEN_TERMS, spdxId: null },
  });
  Object.assign(ids, {
    rootVersion: root.versionId,
    root: root.datasetId,
    child: child.datasetId,
    bare: bare.datasetId,
    foreign: foreign.datasetId,
  });
  await createOffer(app, vendor, root.datasetId);
  await createOffer(app, vendor, child.datasetId, {
    name: 'Metered',
    pricingModel: 'USAGE',
    currency: 'usd',
    usageUnit: 'GIGABYTE',
    unitAmountCents: 25,
    includedUnits: 1.5,
    usageCap: 100,
  });
  await createOffer(app, other, foreign.datasetId, { name: 'Kept' });
  const archived = await createOffer(app, other, foreign.datasetId, { name: 'Archived' });
  ok(await app.gql(ARCHIVE_OFFER, { id: archived }, other.key));
  ok(
    await app.gql(
      `mutation($input: RetractDatasetVersionInput!) { retractDatasetVersion(input: $input) { datasetVersion { id } } }`,
      { input: { id: root.versionId, reason: 'Contains phone numbers' } },
      vendor.key,
    ),
  );
});

afterAll(() => app?.close());

describe('catalog page', () => {
  it('answers each listing exactly as the listing alone does, for anonymous visitors, buyers and each vendor', async () => {
    for (const key of [undefined, buyer.key, vendor.key, other.key]) {
      const { nodes } = await page(PAGE, key);
      // The root stays listed, without a latest version, once its only version is retracted.
      expect(nodes.map((n: { id: string }) => n.id).sort()).toEqual([ids.root, ids.child, ids.bare, ids.foreign].sort());
      for (const node of nodes) {
        expect(node).toEqual(ok(await app.gql(ONE, { id: node.id }, key)).dataset);
      }
    }
  });

  it('shows the retraction upstream, archived offers only to their vendor, and 64-bit counts exactly', async () => {
    const byId = async (key?: string) => new Map((await page(PAGE, key)).nodes.map((n: { id: string }) => [n.id, n] as const));
    const anonymous = await byId();
    const child = anonymous.get(ids.child) as any;
    expect(child.latestVersion.lineage.collapseRisk.level).toBe('HIGH');
    expect(child.latestVersion.lineage.retractedAncestors).toEqual([{ id: ids.rootVersion }]);
    expect((anonymous.get(ids.root) as any).latestVersion).toBeNull();
    expect(child.latestVersion.lineage.collapseRisk.reasons[0]).toMatch(/^Ancestor "Root recordings" 1\.0\.0 \(dsv_\w+\) was retracted/);
    expect((anonymous.get(ids.bare) as any).offers).toEqual([]);
    expect((anonymous.get(ids.foreign) as any).offers.map((o: { name: string }) => o.name)).toEqual(['Kept']);
    expect(
      ((await byId(other.key)).get(ids.foreign) as any).offers.map((o: { name: string; active: boolean }) => [o.name, o.active]),
    ).toEqual([
      ['Kept', true],
      ['Archived', false],
    ]);
    expect(((await byId(vendor.key)).get(ids.foreign) as any).offers.map((o: { name: string }) => o.name)).toEqual(['Kept']);
    expect((anonymous.get(ids.bare) as any).latestVersion.rowCount).toBe('9007199254740993');
  });

  it('reads vendors, latest versions, lineage and offers in the page statement, however the query is written, and samples only when asked', async () => {
    // Listings without retracted ancestors (naming one costs a read of its version and dataset).
    const kinds = ['REAL'];
    const plain = await page(PAGE, undefined, kinds);
    expect(plain.nodes).toHaveLength(3);
    // Samples (up to 256 KiB each) are read only when asked for: one more statement for the whole page.
    expect(plain.statements).toBe(2);
    const withoutSample = await page(PAGE.replace('manifestSha256 sample', 'manifestSha256'), undefined, kinds);
    expect(withoutSample.statements).toBe(1);
    expect(withoutSample.nodes).toEqual(
      plain.nodes.map((n: any) => ({ ...n, latestVersion: n.latestVersion && (({ sample: _s, ...v }) => v)(n.latestVersion) })),
    );
    const fragments = `query($tag: String!, $first: Int, $kinds: [DatasetKind!]) {
      datasets(first: $first, filter: { tags: [$tag], kinds: $kinds }) { edges { cursor node { ...Listing } } } }
      fragment Listing on Dataset { ... on Dataset { ${NODE_FIELDS.replace('offers {', 'deals: offers {')} } }`;
    const viaFragments = await page(fragments, undefined, kinds);
    expect(viaFragments.statements).toBe(2);
    expect(viaFragments.nodes.map(({ deals, ...n }: { deals: unknown }) => ({ ...n, offers: deals }))).toEqual(plain.nodes);
    // Asking for less reads less, in as few statements.
    const lean = await page(
      `query($tag: String!, $first: Int, $kinds: [DatasetKind!]) { datasets(first: $first, filter: { tags: [$tag], kinds: $kinds }) { nodes { id title } } }`,
      undefined,
      kinds,
    );
    expect(lean.statements).toBe(1);
    expect(lean.nodes).toEqual(plain.nodes.map(({ id, title }: { id: string; title: string }) => ({ id, title })));
  });
});

describe('catalog page of listing fields only', () => {
  // A page that asks only for fields a listing shows reads only the columns they need: its rows are partial, so
  // they must answer exactly what the whole rows answer, and never stand in for whole rows elsewhere in the request.
  const LISTING = `id slug fullSlug title summary kind modality tags status suspendedReason publishedAt updatedAt relevance __typename
    vendor { id slug name kind }
    terms { spdxId commercialUse modelTraining derivatives syntheticGeneration redistribution attributionRequired }
    latestVersion {
      id version status rowCount byteSize publishedAt
      lineage { generationDepth realFraction humanReviewedFraction collapseRisk { level reasons } }
    }
    offers { id name active pricingModel currency amountCents termDays billingInterval usageUnit unitAmountCents includedUnits usageCap requiresApproval royaltyBps trialDays }`;
  const LISTINGS = `query($tag: String!, $first: Int, $kinds: [DatasetKind!]) {
    datasets(first: $first, filter: { tags: [$tag], kinds: $kinds }) { totalCount pageInfo { hasNextPage } edges { cursor node { ${LISTING} } } } }`;
  const LISTED = `query($id: ID!) { dataset(id: $id) { ${LISTING} } }`;

  it('answers each listing exactly as the listing alone does, for anonymous visitors, buyers and each vendor', async () => {
    for (const key of [undefined, buyer.key, vendor.key, other.key]) {
      const { nodes } = await page(LISTINGS, key);
      expect(nodes.map((n: { id: string }) => n.id).sort()).toEqual([ids.root, ids.child, ids.bare, ids.foreign].sort());
      for (const node of nodes) expect(node).toEqual(ok(await app.gql(LISTED, { id: node.id }, key)).dataset);
    }
    const anonymous = new Map((await page(LISTINGS)).nodes.map((n: { id: string }) => [n.id, n] as const));
    expect((anonymous.get(ids.child) as any).latestVersion.lineage.collapseRisk.level).toBe('HIGH');
    expect((anonymous.get(ids.foreign) as any).offers.map((o: { name: string }) => o.name)).toEqual(['Kept']);
    expect((anonymous.get(ids.bare) as any).latestVersion.rowCount).toBe('9007199254740993');
    // Still one statement for the page and one for its count (no retracted ancestor to name among the REAL listings).
    expect((await page(LISTINGS, undefined, ['REAL'])).statements).toBe(2);
  });

  it('answers whole rows to the other fields of the same request', async () => {
    const query = `query($tag: String!, $id: ID!) {
      datasets(first: 20, filter: { tags: [$tag] }) { nodes { id title vendor { id } latestVersion { id } offers { id } } }
      dataset(id: $id) { id description createdAt vendor { createdAt } latestVersion { changelog manifestSha256 dataset { description } }
        offers { id terms { spdxId } } } }`;
    for (const key of [undefined, other.key]) {
      const data = ok(await app.gql(query, { tag, id: ids.foreign }, key));
      const alone = ok(
        await app.gql(
          `query($id: ID!) { dataset(id: $id) { id description createdAt vendor { createdAt } latestVersion { changelog manifestSha256 dataset { description } } offers { id terms { spdxId } } } }`,
          { id: ids.foreign },
          key,
        ),
      );
      expect(data.dataset).toEqual(alone.dataset);
      expect(data.dataset.description).toEqual(expect.any(String));
      expect(data.dataset.latestVersion.manifestSha256).toEqual(expect.any(String));
    }
  });
});

describe('catalog page of canonical leaves only', () => {
  // A page whose every enum and built-in scalar field is one of CANONICAL_LEAVES is compiled without graphql-jit's
  // leaf serializers: its compiled runs must answer byte for byte what graphql-js answers on its first, interpreted run.
  const CANONICAL = `id slug title summary description kind modality tags status suspendedReason publishedAt relevance __typename
    vendor { id slug name kind }
    terms { spdxId commercialUse modelTraining derivatives syntheticGeneration redistribution attributionRequired }
    latestVersion {
      id version status rowCount byteSize publishedAt
      lineage { generationDepth realFraction humanReviewedFraction collapseRisk { level reasons } }
    }
    offers { id name active pricingModel currency amountCents termDays billingInterval usageUnit unitAmountCents requiresApproval royaltyBps trialDays }`;

  it('answers the same bytes on every run, interpreted or compiled, with and without a search, for each viewer', async () => {
    let documents = 0;
    for (const key of [undefined, vendor.key, other.key]) {
      for (const search of [undefined, 'root recordings']) {
        // A document of its own (the alias) for each case, so that its first run is the interpreted one.
        const query = `query($tag: String!, $search: String) {
          page${++documents}: datasets(first: 20, filter: { tags: [$tag], search: $search }) {
            totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ${CANONICAL} } } } }`;
        const runs: string[] = [];
        for (let run = 0; run < 4; run++) {
          const res = await fetch(`${app.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
            body: JSON.stringify({ query, variables: { tag, search } }),
          });
          runs.push(await res.text());
        }
        const { data, errors } = JSON.parse(runs[0]!);
        expect(errors).toBeUndefined();
        expect(data[`page${documents}`].edges.length).toBe(search ? 2 : 4);
        for (const text of runs) expect(text).toBe(runs[0]);
      }
    }
  });
});
