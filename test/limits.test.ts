import { createHash } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { expectError, ok, publishDataset, signUp } from './support/fixtures.js';
import { waitFor } from './support/webhook-receiver.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  const vendor = await signUp(app, 'VENDOR');
  await publishDataset(app, vendor);
  await publishDataset(app, vendor);
});
afterAll(async () => {
  await app?.close();
});

interface Refusal {
  status: number;
  sql: number;
  code: string;
  extensions: Record<string, unknown>;
  message: string;
}

/** Sends an operation and returns its first error, the HTTP status and the SQL it cost. */
async function refusal(target: TestApp, query: string, variables: Record<string, unknown> = {}): Promise<Refusal> {
  const res = await target.gql(query, variables);
  expect(res.errors, JSON.stringify(res.data)).toBeDefined();
  const error = res.errors![0]!;
  return {
    status: res.status,
    sql: Number(res.headers.get('x-sql-statements')),
    code: error.extensions.code,
    extensions: error.extensions,
    message: error.message,
  };
}

const CATALOG_PAGE = `query($first: Int) {
  datasets(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id fullSlug title kind tags vendor { id slug name } terms { spdxId modelTraining }
      latestVersion { id version rowCount byteSize files { path byteSize sha256 rowCount } } } }
  }
}`;

/** A query exactly `depth` fields deep: datasets, nodes, then latestVersion and dataset in turn, then id. */
function nested(depth: number): string {
  const chain = Array.from({ length: depth - 4 }, (_, i) => (i % 2 === 0 ? 'dataset' : 'latestVersion'));
  return `{ datasets(first: 1) { nodes { latestVersion { ${chain.map((f) => `${f} { `).join('')}id${' }'.repeat(chain.length)} } } } }`;
}

describe('query limits', () => {
  it('lets a catalog page of 100 datasets with vendor, latest version and files through', async () => {
    const data = ok(await app.gql(CATALOG_PAGE, { first: 100 })).datasets;
    expect(data.totalCount).toBe(2);
    expect(data.edges[0].node.latestVersion.files.length).toBeGreaterThan(0);
  });

  it("lets the IDE's introspection query through", async () => {
    const full = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const data = ok(await app.gql(full)).__schema;
    expect(data.types.some((t: { name: string }) => t.name === 'Dataset')).toBe(true);
    // The nested introspection that graphql's own rule exists for is refused (as invalid, before it runs).
    const deep = `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`;
    expectError(await app.gql(deep), 'BAD_USER_INPUT');
  });

  it('refuses a query nested deeper than 15 fields before it runs, saying how deep', async () => {
    ok(await app.gql(nested(15)));
    const r = await refusal(app, nested(16));
    expect(r).toMatchObject({ status: 400, sql: 0, code: 'QUERY_TOO_COMPLEX' });
    expect(r.extensions).toMatchObject({ reason: 'DEPTH', depth: 16, limit: 15 });
    expect(r.extensions.cost).toEqual(expect.any(Number));
    expect(r.extensions.http).toBeUndefined();
  });

  it('refuses more than 30 aliases, including those reached through fragments', async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');
    ok(await app.gql(`{ ${aliases(30)} }`));
    const r = await refusal(app, `{ ${aliases(31)} }`);
    expect(r).toMatchObject({ status: 400, sql: 0, code: 'QUERY_TOO_COMPLEX', extensions: { reason: 'ALIASES', aliases: 31, limit: 30 } });
    // Ten aliases in a fragment spread four times are forty.
    const viaFragment = await refusal(
      app,
      `{ ...F ...F ...F d: datasets { ...G } } fragment F on Query { ${aliases(10)} } fragment G on DatasetConnection { ${aliases(1)} }`,
    );
    expect(viaFragment.extensions).toMatchObject({ reason: 'ALIASES', aliases: 32 });
  });

  it('prices a connection at `first` times its children, taking `first` from variables, and refuses past 5000', async () => {
    const nestedPages = `query($outer: Int, $inner: Int) { datasets(first: $outer) { nodes { id versions(first: $inner) { nodes { id } } } } }`;
    // 1 (datasets) + outer * (1 (nodes) + 1 (versions) + inner * 1 (nodes))
    ok(await app.gql(nestedPages, { outer: 40, inner: 40 })); // 1 + 40 * 42 = 1681
    const r = await refusal(app, nestedPages, { outer: 100, inner: 100 });
    expect(r).toMatchObject({ status: 400, sql: 0, code: 'QUERY_TOO_COMPLEX', extensions: { reason: 'COST', cost: 10201, limit: 5000 } });
    expect(r.message).toContain('10201');
    // Measures are kept per operation and page sizes: each verdict follows the values of the request at hand.
    ok(await app.gql(nestedPages, { outer: 40, inner: 40 }));
    expect((await refusal(app, nestedPages, { outer: 100, inner: 100 })).extensions).toMatchObject({ cost: 10201 });
    expect((await refusal(app, nestedPages, { outer: 100, inner: 50 })).extensions).toMatchObject({ cost: 5201 });
    // An id list counts by its length: 60 ids of 101 objects each (1 + 60 * 101) are refused, 2 are not, whatever the ids.
    const byIds = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Dataset { versions(first: 100) { nodes { id } } } } }`;
    const ids = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `ds_${tag}${i}`);
    expect((await refusal(app, byIds, { ids: ids(60, 'a') })).extensions).toMatchObject({ reason: 'COST', cost: 6061 });
    expect((await app.gql(byIds, { ids: ids(2, 'a') })).errors?.map((e) => e.extensions.code) ?? []).not.toContain('QUERY_TOO_COMPLEX');
    expect((await refusal(app, byIds, { ids: ids(60, 'b') })).extensions).toMatchObject({ reason: 'COST', cost: 6061 });
    // A backward page (`last`) is priced like a forward one.
    const backward = `query($outer: Int) { datasets(last: $outer) { nodes { id versions(first: 100) { nodes { id } } } } }`;
    expect(await refusal(app, backward, { outer: 100 })).toMatchObject({ code: 'QUERY_TOO_COMPLEX', extensions: { cost: 10201 } });
    // Without `first` a connection counts its default page of 20; scalars are free.
    const defaults = await refusal(
      app,
      `{ datasets { nodes { versions { nodes { dataset { versions { nodes { id } totalCount } } } } } } }`,
    );
    const versions = (inner: number) => 1 + 20 * inner;
    expect(defaults.extensions).toMatchObject({ reason: 'COST', cost: 1 + 20 * (1 + versions(1 + 1 + versions(1))) });
  });

  it('takes page sizes from variable defaults when the variables are not sent, and a sent null as the default page', async () => {
    const pages = `query($n: Int = 100, $m: Int = 100) { datasets(first: $n) { nodes { id versions(first: $m) { nodes { id } } } } }`;
    // The same as the literals 100 and 100: 1 + 100 * (1 + 1 + 100).
    const r = await refusal(app, pages);
    expect(r).toMatchObject({ status: 400, sql: 0, code: 'QUERY_TOO_COMPLEX', extensions: { reason: 'COST', cost: 10201 } });
    expect((await refusal(app, pages, { m: 100 })).extensions).toMatchObject({ reason: 'COST', cost: 10201 });
    // A sent value wins over the default; a sent null means "no first" (20, what the resolver then serves).
    ok(await app.gql(pages, { n: 40, m: 40 }));
    ok(await app.gql(pages, { n: null, m: null }));
    // 1 + 20 * 102: had the null been read as the default 100 it would be refused like the first.
    ok(await app.gql(pages, { n: null }));
  });

  it('refuses a nested alias flood and a fragment bomb quickly, without running them', async () => {
    const page = `datasets(first: 100) { nodes { vendor { name } latestVersion { files { path } } } }`;
    const flood = `{ ${Array.from({ length: 25 }, (_, i) => `p${i}: ${page}`).join(' ')} }`;
    const r = await refusal(app, flood);
    expect(r).toMatchObject({ status: 400, sql: 0, code: 'QUERY_TOO_COMPLEX', extensions: { reason: 'COST' } });

    // Each fragment spreads the previous one twice: 2^30 copies of one field if expanded naively.
    const fragments = ['fragment F0 on Query { datasets { nodes { id } } }'];
    for (let i = 1; i <= 30; i++) fragments.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
    const started = performance.now();
    const bomb = await refusal(app, `{ ...F30 } ${fragments.join(' ')}`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(bomb).toMatchObject({ status: 400, sql: 0, code: 'QUERY_TOO_COMPLEX', extensions: { reason: 'COST' } });
  });

  it('refuses a document of more than 3000 tokens as QUERY_TOO_COMPLEX', async () => {
    const many = `{ ${Array.from({ length: 1600 }, () => '__typename').join(' ')} ${'__typename '.repeat(1500)} }`;
    const r = await refusal(app, many);
    expect(r).toMatchObject({ status: 400, sql: 0, code: 'QUERY_TOO_COMPLEX', extensions: { reason: 'TOKENS', limit: 3000 } });
    expect(r.message).toContain('variables');
  });

  it('still refuses `first` above 100 as BAD_USER_INPUT on first, nested or not', async () => {
    expectError(await app.gql(`{ datasets(first: 101) { totalCount } }`), 'BAD_USER_INPUT', 'first');
    expectError(await app.gql(`query($n: Int) { datasets(first: $n) { nodes { id } } }`, { n: 1000 }), 'BAD_USER_INPUT', 'first');
  });
});

describe('inputs no store could take', () => {
  it('refuses NUL and lone surrogates in any text argument before it reaches the database, naming the field', async () => {
    const bySlug = await app.gql(`query($s: String!) { organization(slug: $s) { id } }`, { s: 'acme\u0000' });
    expect(bySlug.status).toBe(400);
    expectError(bySlug, 'BAD_USER_INPUT', 'slug');
    expect(bySlug.errors![0]!.message).toBe('slug: must not contain NUL characters');
    expect(bySlug.headers.get('x-sql-statements')).toBe('0');
    const literal = `mutation { createOrganization(input: { name: "A", slug: "a-b", kind: BUYER, owner: { name: "x\\u0000", email: "a@b.example" } }) { secret } }`;
    expectError(await app.gql(literal), 'BAD_USER_INPUT', 'input.owner.name');
    const create = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { secret } }`;
    const input = { name: 'Lone \uD800 surrogate', slug: 'lone', kind: 'BUYER', owner: { name: 'A', email: 'lone@example.com' } };
    const lone = await app.gql(create, { input });
    expectError(lone, 'BAD_USER_INPUT', 'input.name');
    expect(lone.errors![0]!.message).toContain('well-formed Unicode');
    expectError(await app.gql(`{ datasets(filter: { tags: ["ok", "a\\u0000"] }) { totalCount } }`), 'BAD_USER_INPUT', 'filter.tags.1');
  });

  it('refuses values nested absurdly deep, as variables or literals, without overflowing anything', async () => {
    const sample = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":"mutation($i: CreateDatasetVersionInput!) { createDatasetVersion(input: $i) { __typename } }","variables":{"i":{"datasetId":"ds_x","version":"1.0.0","sample":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`,
    });
    // A well-formed request with a bad variable: 200 in application/json (GraphQL over HTTP).
    expect(sample.status).toBe(200);
    const body = (await sample.json()) as { errors: { message: string; extensions: { code: string; field: string } }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: `input.sample${'.0'.repeat(63)}` });
    expect(body.errors[0]!.message).toContain('nested more than 64 levels deep');
    // A literal nested past what the parser can follow is too complex, not a crash.
    const literal = await app.gql(`{ nodes(ids: ${'['.repeat(1400)}${']'.repeat(1400)}) { id } }`);
    expect(literal.status).toBe(400);
    expect(['QUERY_TOO_COMPLEX', 'BAD_USER_INPUT']).toContain(literal.errors![0]!.extensions.code);
    expect(literal.errors![0]!.message).not.toMatch(/stack/i);
  });
});

describe('configured limits, body size and batching', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({
      ASSAY_QUERY_MAX_DEPTH: '3',
      ASSAY_QUERY_MAX_ALIASES: '2',
      ASSAY_QUERY_MAX_COST: '30',
      ASSAY_QUERY_MAX_TOKENS: '200',
      ASSAY_BODY_LIMIT_BYTES: '4096',
    });
  });
  afterAll(async () => {
    await small?.close();
  });

  it('applies the limits from the environment', async () => {
    ok(await small.gql(`{ viewer { user { id } } }`));
    expect((await refusal(small, `{ viewer { user { organization { id } } } }`)).extensions).toMatchObject({ reason: 'DEPTH', limit: 3 });
    expect((await refusal(small, `{ a: __typename b: __typename c: __typename }`)).extensions).toMatchObject({
      reason: 'ALIASES',
      limit: 2,
    });
    expect((await refusal(small, `{ datasets(first: 30) { nodes { id } } }`)).extensions).toMatchObject({
      reason: 'COST',
      cost: 31,
      limit: 30,
    });
    expect((await refusal(small, `{ ${'__typename '.repeat(250)} }`)).extensions).toMatchObject({ reason: 'TOKENS', limit: 200 });
    // Introspection is measured like any other query: the IDE's needs depth 15 and costs about 2500.
    expect((await refusal(small, getIntrospectionQuery())).extensions).toMatchObject({ reason: 'DEPTH', limit: 3 });
  });

  it('answers a body over the limit with 413 and a GraphQL error', async () => {
    const res = await fetch(`${small.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(5000) } }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toEqual({ message: 'Request body is larger than 4096 bytes', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses a batched request with 400 and says batching is off', async () => {
    const res = await fetch(`${small.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.message).toMatch(/batch/i);
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('automatic persisted queries', () => {
  const sha = (q: string) => createHash('sha256').update(q).digest('hex');
  const post = (target: TestApp, body: unknown) =>
    fetch(`${target.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const get = (target: TestApp, params: Record<string, unknown>) => {
    const search = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    return fetch(`${target.url}/graphql?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
  };
  const json = async (res: Response) =>
    (await res.json()) as { data?: any; errors?: { message: string; extensions: Record<string, unknown> }[] };

  it('speaks the protocol: unknown hash, then register with the query, then the hash alone (POST and GET)', async () => {
    const query = `query Titles($first: Int) { datasets(first: $first) { nodes { title } } }`;
    const persisted = { persistedQuery: { version: 1, sha256Hash: sha(query) } };

    const miss = await json(await post(app, { extensions: persisted, variables: { first: 1 } }));
    expect(miss.errors![0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const missGet = await json(await get(app, { extensions: persisted }));
    expect(missGet.errors![0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const register = await post(app, { query, extensions: persisted, variables: { first: 1 } });
    expect(register.status).toBe(200);
    expect((await json(register)).data.datasets.nodes).toHaveLength(1);

    const byHash = await json(await post(app, { extensions: persisted, variables: { first: 2 } }));
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data.datasets.nodes).toHaveLength(2);
    const byHashGet = await get(app, { extensions: persisted, variables: { first: 1 } });
    expect(byHashGet.status).toBe(200);
    expect((await json(byHashGet)).data.datasets.nodes).toHaveLength(1);

    // A hash that does not match its query is refused, and registers nothing; so is an unknown protocol version.
    const wrong = await post(app, { query: '{ __typename }', extensions: persisted });
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery' });
    const version = await post(app, { query, extensions: { persistedQuery: { version: 2, sha256Hash: sha(query) } } });
    expect(version.status).toBe(400);
    expect((await json(version)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery' });
  });

  it('never registers a query over the limits', async () => {
    const query = nested(20);
    const persisted = { persistedQuery: { version: 1, sha256Hash: sha(query) } };
    expect((await json(await post(app, { query, extensions: persisted }))).errors![0]!.extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect((await json(await post(app, { extensions: persisted }))).errors![0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('keeps the cache within its configured bytes, dropping the least recently used', async () => {
    const tiny = await startTestApp({ ASSAY_PERSISTED_QUERIES_CACHE_BYTES: '700' });
    try {
      // Each entry costs ('apq:' + 64-character hash + query) * 2 bytes, about 370: two do not fit in 700.
      const q1 = `query One { datasets(first: 1) { nodes { id title summary description kind modality tags status createdAt } } }`;
      const q2 = q1.replace('One', 'Two');
      const ext = (q: string) => ({ persistedQuery: { version: 1, sha256Hash: sha(q) } });
      expect((await post(tiny, { query: q1, extensions: ext(q1) })).status).toBe(200);
      expect((await json(await post(tiny, { extensions: ext(q1) }))).errors).toBeUndefined();
      expect((await post(tiny, { query: q2, extensions: ext(q2) })).status).toBe(200);
      expect((await json(await post(tiny, { extensions: ext(q2) }))).errors).toBeUndefined();
      expect((await json(await post(tiny, { extensions: ext(q1) }))).errors![0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    } finally {
      await tiny.close();
    }
  });
});

describe('timeouts', () => {
  it('answers 503 at the request deadline, and the timed-out mutation never commits', async () => {
    const slow = await startTestApp({ ASSAY_REQUEST_TIMEOUT_MS: '500' });
    const locker = new pg.Client({ connectionString: slow.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const create = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }`;
      const input = { name: 'Slow', slug: 'slow-org', kind: 'BUYER', owner: { name: 'S', email: 'slow@example.com' } };
      const res = await slow.gql(create, { input });
      const elapsed = performance.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', reason: 'TIMEOUT' });
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(3000);
      // Let the blocked statement finish: the mutation's next statement is refused and its transaction rolls back.
      await locker.query('COMMIT');
      await waitFor(async () => {
        const busy = await locker.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')`,
        );
        return busy.rows[0].n === 0;
      });
      expect(ok(await slow.gql(`{ organization(slug: "slow-org") { id } }`)).organization).toBeNull();
      // The server is fine afterwards.
      expect(ok(await slow.gql(create, { input })).createOrganization.organization.id).toMatch(/^org_/);
    } finally {
      await locker.end();
      await slow.close();
    }
  });

  it('stops a statement at the database statement timeout without showing internals', async () => {
    const slow = await startTestApp({ ASSAY_STATEMENT_TIMEOUT_MS: '400' });
    const locker = new pg.Client({ connectionString: slow.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE datasets IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const res = await slow.gql(`{ datasets { totalCount } }`);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(res.errors![0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      await locker.query('COMMIT');
      expect(ok(await slow.gql(`{ datasets { totalCount } }`)).datasets.totalCount).toBe(0);
    } finally {
      await locker.end();
      await slow.close();
    }
  });
});
