import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { OPEN_TERMS, ok, publishDataset, signUp, uniqueSlug, type Org, expectError } from './support/fixtures.js';

let app: TestApp;
let alpha: Org;
let beta: Org;
let buyer: Org;

const NON_COMMERCIAL = { ...OPEN_TERMS, spdxId: 'CC-BY-NC-4.0', commercialUse: false };
const NO_ATTRIBUTION = { ...OPEN_TERMS, spdxId: 'CC0-1.0', attributionRequired: false };

beforeAll(async () => {
  app = await startTestApp();
  [alpha, beta, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  // A small catalog whose search and filter results can be worked out by hand.
  await publishDataset(app, alpha, {
    title: 'Songbird field recordings',
    summary: 'Dawn chorus audio from 40 sites',
    description: 'Each clip is labelled with species.',
    kind: 'REAL',
    modality: 'AUDIO',
    tags: ['birds', 'bioacoustics'],
  });
  await publishDataset(app, alpha, {
    title: 'Synthetic street scenes',
    summary: 'Rendered city images',
    description: 'Includes pigeons and the occasional songbird on lamp posts.',
    kind: 'SYNTHETIC',
    modality: 'IMAGE',
    tags: ['vision', 'birds'],
    terms: NON_COMMERCIAL,
  });
  await publishDataset(app, beta, {
    title: 'Clinical notes summaries',
    summary: 'Discharge summaries, de-identified',
    description: 'Physician-written text.',
    kind: 'HYBRID',
    modality: 'TEXT',
    tags: ['medical'],
    terms: NO_ATTRIBUTION,
  });
});
afterAll(async () => {
  await app?.close();
});

const LIST = `query($filter: DatasetFilter, $orderBy: DatasetOrder, $first: Int, $after: String) {
  datasets(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id title relevance vendor { slug } } }
  }
}`;

async function titles(filter: Record<string, unknown>, orderBy?: string, key = buyer.key): Promise<string[]> {
  const data = ok(await app.gql(LIST, { filter, orderBy, first: 100 }, key)).datasets;
  return data.edges.map((e: { node: { title: string } }) => e.node.title);
}

describe('catalog search and filters', () => {
  it('ranks title matches above description matches', async () => {
    expect(await titles({ search: 'songbird' })).toEqual(['Songbird field recordings', 'Synthetic street scenes']);
    expect(await titles({ search: 'songbirds' })).toEqual(['Songbird field recordings', 'Synthetic street scenes']);
    expect(await titles({ search: 'clinical' })).toEqual(['Clinical notes summaries']);
    expect(await titles({ search: '"street scenes" -clinical' })).toEqual(['Synthetic street scenes']);
    expect(await titles({ search: 'nonexistentword' })).toEqual([]);
    const [first, second] = ok(await app.gql(LIST, { filter: { search: 'songbird' } })).datasets.edges;
    expect(first.node.relevance).toBeGreaterThan(second.node.relevance);
  });

  it('filters by kind, modality, tags, vendor and permissions', async () => {
    expect(await titles({ kinds: ['SYNTHETIC', 'HYBRID'] }, 'TITLE')).toEqual(['Clinical notes summaries', 'Synthetic street scenes']);
    expect(await titles({ modalities: ['AUDIO'] })).toEqual(['Songbird field recordings']);
    // `kind` and `modality` are named as on Dataset and take one value or several; the plural names are aliases.
    expect(await titles({ kind: ['SYNTHETIC', 'HYBRID'] }, 'TITLE')).toEqual(['Clinical notes summaries', 'Synthetic street scenes']);
    expect(await titles({ kind: 'HYBRID' })).toEqual(await titles({ kinds: ['HYBRID'] }));
    expect(await titles({ modality: 'AUDIO' })).toEqual(['Songbird field recordings']);
    expectError(await app.gql(LIST, { filter: { kind: 'REAL', kinds: ['REAL'] } }), 'BAD_USER_INPUT', 'filter.kind');
    expectError(await app.gql(LIST, { filter: { modality: 'AUDIO', modalities: ['TEXT'] } }), 'BAD_USER_INPUT', 'filter.modality');
    expect(await titles({ tags: ['birds'] }, 'TITLE')).toEqual(['Songbird field recordings', 'Synthetic street scenes']);
    expect(await titles({ tags: ['birds', 'vision'] })).toEqual(['Synthetic street scenes']);
    expect(await titles({ vendor: beta.slug })).toEqual(['Clinical notes summaries']);
    expect(await titles({ vendor: 'no-such-vendor' })).toEqual([]);
    expect(await titles({ permissions: ['COMMERCIAL_USE'] }, 'TITLE')).toEqual(['Clinical notes summaries', 'Songbird field recordings']);
    expect(await titles({ permissions: ['COMMERCIAL_USE', 'NO_ATTRIBUTION'] })).toEqual(['Clinical notes summaries']);
    expect(await titles({ search: 'songbird', permissions: ['COMMERCIAL_USE'] })).toEqual(['Songbird field recordings']);
  });

  it('sorts by title, newest and oldest', async () => {
    const all = ['Clinical notes summaries', 'Songbird field recordings', 'Synthetic street scenes'];
    expect(await titles({}, 'TITLE')).toEqual(all);
    expect(await titles({}, 'NEWEST')).toEqual(['Clinical notes summaries', 'Synthetic street scenes', 'Songbird field recordings']);
    expect(await titles({}, 'OLDEST')).toEqual(['Songbird field recordings', 'Synthetic street scenes', 'Clinical notes summaries']);
  });
});

describe('keyset pagination', () => {
  it.each(['NEWEST', 'OLDEST', 'TITLE', 'RECENTLY_UPDATED', 'RELEVANCE'])(
    'pages through %s without gaps or repeats while new datasets are published',
    async (orderBy) => {
      const vendor = await signUp(app, 'VENDOR');
      const tag = uniqueSlug('page').replace(/[^a-z0-9-]/g, '');
      const original: string[] = [];
      for (let i = 0; i < 17; i++) {
        const title = `Pagination corpus ${String.fromCharCode(97 + ((i * 7) % 17))} ${i}`;
        original.push(
          (await publishDataset(app, vendor, { title, tags: [tag], summary: i % 2 ? 'pagination pagination' : 'other' })).datasetId,
        );
      }
      const filter = orderBy === 'RELEVANCE' ? { tags: [tag], search: 'pagination' } : { tags: [tag] };
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 20; page++) {
        const data: any = ok(await app.gql(LIST, { filter, orderBy, first: 4, after }, buyer.key)).datasets;
        seen.push(...data.edges.map((e: { node: { id: string } }) => e.node.id));
        // Publishing during paging must not shift what the next page returns.
        await publishDataset(app, vendor, { title: `Pagination corpus late ${page}`, tags: [tag], summary: 'pagination' });
        if (!data.pageInfo.hasNextPage) break;
        after = data.pageInfo.endCursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of original) expect(seen).toContain(id);
    },
  );
});

describe('repeated searches', () => {
  // The same search asked again runs the statement it ran before: the answer must still be the catalog as it is now.
  it('answers a search asked again from the listings as they are now, with their count', async () => {
    const vendor = await signUp(app, 'VENDOR');
    const word = `kestrel${uniqueSlug('w').replace(/[^a-z0-9]/g, '')}`;
    const filter = { search: word, permissions: ['COMMERCIAL_USE'], maxGenerationDepth: 0 };
    const search = async () => ok(await app.gql(LIST, { filter, first: 10 }, buyer.key)).datasets;
    await publishDataset(app, vendor, { title: `Kestrel calls ${word}`, kind: 'REAL', modality: 'AUDIO' });
    const before = await search();
    expect(before.totalCount).toBe(1);
    expect(before.edges.map((e: { node: { title: string } }) => e.node.title)).toEqual([`Kestrel calls ${word}`]);

    await publishDataset(app, vendor, { title: `Kestrel nests ${word} ${word}`, kind: 'REAL', modality: 'IMAGE' });
    // Filtered out: not for commercial use.
    await publishDataset(app, vendor, { title: `Kestrel prey ${word}`, kind: 'REAL', terms: NON_COMMERCIAL });
    const after = await search();
    expect(after.totalCount).toBe(2);
    expect(after.edges.map((e: { node: { title: string } }) => e.node.title)).toEqual([
      `Kestrel nests ${word} ${word}`,
      `Kestrel calls ${word}`,
    ]);
    // Its cursor pages on from the same rank.
    const next = ok(await app.gql(LIST, { filter, first: 1, after: after.edges[0].cursor }, buyer.key)).datasets;
    expect(next.edges.map((e: { node: { title: string } }) => e.node.title)).toEqual([`Kestrel calls ${word}`]);
    expect(next.totalCount).toBe(2);
  });
});

describe('query cost', () => {
  it('serves a page of 50 datasets with vendor, offers, versions, latest version and lineage in a constant number of statements', async () => {
    const vendors = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'VENDOR')]);
    const tag = uniqueSlug('bulk').replace(/[^a-z0-9-]/g, '');
    for (let i = 0; i < 50; i++) {
      const { datasetId } = await publishDataset(app, vendors[i % 3]!, { tags: [tag] });
      ok(
        await app.gql(
          `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }`,
          { input: { datasetId, name: 'Research', pricingModel: 'FREE', terms: OPEN_TERMS } },
          vendors[i % 3]!.key,
        ),
      );
    }
    const page = `query($first: Int, $tag: String!) {
      datasets(first: $first, filter: { tags: [$tag] }) {
        totalCount
        edges {
          node {
            id title fullSlug terms { commercialUse } vendor { id name slug }
            offers { id pricingModel amountCents currency }
            versions(first: 3) { totalCount nodes { id version status } }
            latestVersion {
              id version rowCount files { path sha256 }
              lineage { generationDepth realFraction humanReviewedFraction collapseRisk { level reasons } inheritedTerms { commercialUse } }
            }
          }
        }
      }
    }`;
    const statements = async (first: number) => {
      const res = await app.gql(page, { first, tag }, buyer.key);
      expect(ok(res).datasets.edges).toHaveLength(first);
      return Number(res.headers.get('x-sql-statements'));
    };
    // The first request of a key also records its last use; measure after it.
    await statements(1);
    const small = await statements(5);
    const large = await statements(50);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(12);
  });
});
