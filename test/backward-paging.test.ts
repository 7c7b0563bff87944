import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
let buyer: Org;

const LICENSES = `query($orderBy: LicenseOrder, $first: Int, $after: String, $last: Int, $before: String) {
  licenses(orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const AUDIT = `query($first: Int, $after: String, $last: Int, $before: String) {
  auditEvents(first: $first, after: $after, last: $last, before: $before) {
    nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

type Page = {
  nodes: { id: string }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
};

/** Every id, walking forward two at a time with first/after. */
async function forward(read: (v: Record<string, unknown>) => Promise<Page>): Promise<string[]> {
  const out: string[] = [];
  for (let after: string | undefined; ;) {
    const page = await read({ first: 2, after });
    out.push(...page.nodes.map((n) => n.id));
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

/** Every id, walking backward two at a time with last/before from the end: each page still in the list's order. */
async function backward(read: (v: Record<string, unknown>) => Promise<Page>): Promise<string[]> {
  const pages: string[][] = [];
  for (let before: string | undefined; ;) {
    const page = await read({ last: 2, before });
    pages.unshift(page.nodes.map((n) => n.id));
    if (before !== undefined) expect(page.pageInfo.hasNextPage).toBe(true);
    if (!page.pageInfo.hasPreviousPage) return pages.flat();
    before = page.pageInfo.startCursor;
  }
}

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  const { datasetId } = await publishDataset(app, vendor);
  // Four more datasets, with titles and texts that make every catalog order (relevance too) distinct.
  const words = ['paging', 'paging paging', 'paging paging paging', 'paging paging paging paging'];
  for (const [i, summary] of words.entries()) {
    await publishDataset(app, vendor, { title: `Paging ${String.fromCharCode(90 - i)}`, summary });
    app.clock.advance(1000);
  }
  for (let i = 0; i < 5; i++) {
    const offer = await createOffer(app, vendor, datasetId);
    ok(await purchase(app, buyer, offer));
    app.clock.advance(1000);
  }
});
afterAll(async () => {
  await app?.close();
});

describe('last / before', () => {
  it('pages licenses backward in both orders, meeting the forward walk exactly', async () => {
    for (const orderBy of ['CREATED_AT_DESC', 'CREATED_AT_ASC']) {
      const read = async (v: Record<string, unknown>) => ok(await app.gql(LICENSES, { orderBy, ...v }, buyer.key)).licenses as Page;
      const all = await forward(read);
      expect(all).toHaveLength(5);
      expect(await backward(read)).toEqual(all);
      // The last page alone: the list's final two, in the list's order.
      expect((await read({ last: 2 })).nodes.map((n) => n.id)).toEqual(all.slice(-2));
    }
  });

  it('pages the catalog backward in every order, meeting the forward walk exactly', async () => {
    const DATASETS = `query($orderBy: DatasetOrder, $filter: DatasetFilter, $first: Int, $after: String, $last: Int, $before: String) {
      datasets(orderBy: $orderBy, filter: $filter, first: $first, after: $after, last: $last, before: $before) {
        nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }`;
    for (const orderBy of ['NEWEST', 'OLDEST', 'TITLE', 'RECENTLY_UPDATED', 'RELEVANCE']) {
      const filter = { vendor: vendor.slug, ...(orderBy === 'RELEVANCE' ? { search: 'paging' } : {}) };
      const read = async (v: Record<string, unknown>) => ok(await app.gql(DATASETS, { orderBy, filter, ...v })).datasets as Page;
      const all = await forward(read);
      expect(all.length, orderBy).toBe(orderBy === 'RELEVANCE' ? 4 : 5);
      expect(await backward(read), orderBy).toEqual(all);
    }
  });

  it('pages the audit trail backward, meeting the forward walk exactly', async () => {
    const read = async (v: Record<string, unknown>) => ok(await app.gql(AUDIT, v, ADMIN_KEY)).auditEvents as Page;
    const all = await forward(read);
    expect(all.length).toBeGreaterThan(5);
    expect(await backward(read)).toEqual(all);
  });

  it('refuses mixing directions, a bad last and a cursor from elsewhere, naming the argument', async () => {
    expectError(await app.gql(LICENSES, { first: 2, last: 2 }, buyer.key), 'BAD_USER_INPUT', 'first');
    expectError(await app.gql(AUDIT, { after: 'x', before: 'y' }, ADMIN_KEY), 'BAD_USER_INPUT', 'after');
    expectError(await app.gql(LICENSES, { last: 101 }, buyer.key), 'BAD_USER_INPUT', 'last');
    const auditCursor = (await (async () => ok(await app.gql(AUDIT, { first: 1 }, ADMIN_KEY)).auditEvents as Page)()).pageInfo.endCursor;
    expectError(await app.gql(LICENSES, { last: 2, before: auditCursor }, buyer.key), 'BAD_USER_INPUT', 'before');
  });
});
