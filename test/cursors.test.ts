import { buildClientSchema, getIntrospectionQuery, getNamedType, isEnumType, isObjectType, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { ok, publishDataset, signUp } from './support/fixtures.js';

let app: TestApp;
let datasetId: string;
let vendorKey: string;
beforeAll(async () => {
  app = await startTestApp();
  const vendor = await signUp(app, 'VENDOR');
  vendorKey = vendor.key;
  datasetId = (await publishDataset(app, vendor)).datasetId;
});
afterAll(async () => {
  await app?.close();
});

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Every ordering name a cursor may carry, so each list also gets well-formed cursors of every other list. */
const ORDERS = [
  'VERSIONS',
  'AUDIT',
  'CREATED_AT_DESC',
  'CREATED_AT_ASC',
  'EVENTS',
  'MIXES',
  'TOKENS',
  'RELEVANCE',
  'NEWEST',
  'OLDEST',
  'TITLE',
  'RECENTLY_UPDATED',
];

/** Keys no sort column can take: wrong types, out of range, text PostgreSQL refuses, wrong arity. */
const BAD_KEYS: unknown[][] = [
  [],
  [null],
  [{}],
  [[1]],
  [true],
  ['abc'],
  ['\u0000'],
  ['\uD800'],
  ['x'.repeat(600)],
  [1e308],
  [-1e308],
  [2 ** 53 + 2],
  [1.5],
  ['abc', 'def'],
  [1e308, 'x'],
  ['not-a-date', 'ds_x'],
  ['0000-01-01T00:00:00Z', 'ds_x'],
  ['+010000-01-01T00:00:00.000Z', 'ds_x'],
  ['\u0000', 'ds_x'],
  ['a', 'b', 'c'],
];

const GARBAGE = [
  '!!!',
  'not base64 at all',
  'x'.repeat(2000),
  b64('not json'),
  b64('{}'),
  b64('[]'),
  b64('null'),
  b64('"AUDIT"'),
  b64(['AUDIT']),
  b64(['AUDIT', 5, 6]),
  b64({ order: 'AUDIT', keys: [1] }),
];

/** Garbage, then every ordering name with every bad key list. */
const crafted = (orders: readonly string[]) => [...GARBAGE, ...orders.flatMap((order) => BAD_KEYS.map((keys) => b64([order, keys])))];

/**
 * How to reach each connection of the schema with a cursor `$after`; a connection missing here fails the test,
 * so a new one cannot skip it.
 */
const REACH: Record<string, (selection: string) => { query: string; variables?: Record<string, unknown>; key?: string }> = {
  'Query.datasets': (s) => ({
    query: `query($after: String, $order: DatasetOrder) { datasets(filter: { search: "speech" }, orderBy: $order, after: $after) ${s} }`,
  }),
  'Query.licenses': (s) => ({
    query: `query($after: String, $order: LicenseOrder) { licenses(filter: { status: [PENDING_APPROVAL, ACTIVE] }, orderBy: $order, after: $after) ${s} }`,
  }),
  'Query.auditEvents': (s) => ({ query: `query($after: String) { auditEvents(after: $after) ${s} }` }),
  // Organization-only lists: staff have no organization's events or mixes.
  'Query.events': (s) => ({ query: `query($after: String) { events(after: $after) ${s} }`, key: vendorKey }),
  'Query.trainingMixes': (s) => ({ query: `query($after: String) { trainingMixes(after: $after) ${s} }`, key: vendorKey }),
  'Query.accessTokens': (s) => ({ query: `query($after: String) { accessTokens(after: $after) ${s} }` }),
  'Dataset.versions': (s) => ({
    query: `query($after: String, $id: ID!) { node(id: $id) { ... on Dataset { versions(after: $after) ${s} } } }`,
    variables: { id: datasetId },
  }),
};

describe('crafted cursors', () => {
  it('are BAD_USER_INPUT on `after` on every connection of the schema, never an internal error', async () => {
    const schema = buildClientSchema(ok(await app.gql<IntrospectionQuery>(getIntrospectionQuery(), {}, ADMIN_KEY)));
    const connections = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .flatMap((type) =>
        Object.values(type.getFields())
          .filter((f) => f.args.some((a) => a.name === 'after') && getNamedType(f.type).name.endsWith('Connection'))
          .map((f) => ({ name: `${type.name}.${f.name}`, orders: f.args.find((a) => a.name === 'orderBy') })),
      );
    expect(connections.length).toBeGreaterThanOrEqual(5);
    const failures: string[] = [];
    for (const { name, orders } of connections) {
      const reach = REACH[name];
      expect(reach, `no way to reach ${name} in this test`).toBeDefined();
      const orderValues =
        orders && isEnumType(getNamedType(orders.type))
          ? (getNamedType(orders.type) as any).getValues().map((v: { name: string }) => v.name)
          : [undefined];
      const { query, variables, key } = reach!(`{ totalCount pageInfo { endCursor } edges { cursor } }`);
      for (const order of orderValues) {
        // A list sorted by `orderBy` gets that ordering's cursors (another ordering's name is refused first anyway).
        const cursors = crafted(order ? [order] : ORDERS);
        // A few at a time: hundreds of cursors per list.
        for (let i = 0; i < cursors.length; i += 8) {
          await Promise.all(
            cursors.slice(i, i + 8).map(async (after) => {
              const res = await app.gql(query, { ...variables, after, ...(order ? { order } : {}) }, key ?? ADMIN_KEY);
              const error = res.errors?.[0];
              // No error: a well-formed cursor of this very list (["AUDIT", [5]] is not among BAD_KEYS, say).
              if (error && (error.extensions.code !== 'BAD_USER_INPUT' || error.extensions.field !== 'after')) {
                const shown = Buffer.from(after, 'base64url').toString().slice(0, 80);
                failures.push(`${name} ${order ?? ''} ${shown}: ${error.extensions.code} ${error.extensions.field}`);
              }
            }),
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses the cursors that reached SQL before: text keys for sequence numbers, bad timestamps, NUL, huge numbers', async () => {
    const cases: [string, string | undefined, unknown[]][] = [
      ['Query.auditEvents', undefined, ['AUDIT', ['abc']]],
      ['Query.auditEvents', undefined, ['AUDIT', [1e300]]],
      ['Query.datasets', 'RECENTLY_UPDATED', ['RECENTLY_UPDATED', ['garbage', 'ds_x']]],
      ['Query.datasets', 'RECENTLY_UPDATED', ['RECENTLY_UPDATED', ['0000-01-01T00:00:00Z', 'ds_x']]],
      ['Query.datasets', 'RELEVANCE', ['RELEVANCE', ['high', 'ds_x']]],
      ['Query.datasets', 'TITLE', ['TITLE', ['a\u0000', 'ds_x']]],
      ['Query.licenses', 'CREATED_AT_DESC', ['CREATED_AT_DESC', ['lic_\u0000']]],
      ['Query.licenses', 'CREATED_AT_ASC', ['CREATED_AT_ASC', [7]]],
      ['Dataset.versions', undefined, ['VERSIONS', ['\u0000']]],
    ];
    for (const [name, order, cursor] of cases) {
      const { query, variables } = REACH[name]!(`{ totalCount edges { cursor } }`);
      const res = await app.gql(query, { ...variables, after: b64(cursor), ...(order ? { order } : {}) }, ADMIN_KEY);
      expect(res.errors?.[0]?.extensions, `${name} ${JSON.stringify(cursor)}`).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(res.errors![0]!.message).toBe('after: not a valid cursor for this list and order');
    }
  });

  it('still pages with the cursors the server hands out, in every order', async () => {
    for (const order of ['RELEVANCE', 'NEWEST', 'OLDEST', 'TITLE', 'RECENTLY_UPDATED']) {
      const { query } = REACH['Query.datasets']!(`{ edges { cursor node { id } } }`);
      const first = ok(await app.gql(query, { order }, ADMIN_KEY)).datasets.edges;
      expect(first.length, order).toBeGreaterThan(0);
      const next = ok(await app.gql(query, { order, after: first[0].cursor }, ADMIN_KEY)).datasets.edges;
      expect(next.map((e: { node: { id: string } }) => e.node.id)).not.toContain(first[0].node.id);
    }
    const audit = ok(await app.gql(`{ auditEvents(first: 1) { edges { cursor } } }`, {}, ADMIN_KEY)).auditEvents.edges;
    ok(await app.gql(`query($a: String) { auditEvents(first: 1, after: $a) { totalCount } }`, { a: audit[0].cursor }, ADMIN_KEY));
  });
});
