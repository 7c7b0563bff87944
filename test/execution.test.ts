import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError } from 'graphql';
import { compileQuery } from 'graphql-jit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledExecution } from '../src/http/compiled-execution.js';
import { startTestApp, type TestApp } from './support/app.js';
import { publishDataset, signUp, uniqueSlug, type Org } from './support/fixtures.js';

// An operation's first run is interpreted by graphql-js, later runs use its compiled form (graphql-jit): a client
// must not be able to tell which one answered.

let app: TestApp;
let vendor: Org;
let tag: string;

const post = async (body: unknown, key?: string) => {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
};

/** Sends the same request several times (a fresh document each test, so the first run is the interpreted one). */
const answers = (body: unknown, key?: string) =>
  Promise.all([1, 2, 3].map(() => post(body, key))).then(async (parallel) => {
    // The three above may race on the first run; three more in a row are certainly compiled.
    const sequential = [];
    for (let i = 0; i < 3; i++) sequential.push(await post(body, key));
    return [...parallel, ...sequential];
  });

beforeAll(async () => {
  app = await startTestApp();
  vendor = await signUp(app, 'VENDOR');
  tag = uniqueSlug('exec').replace(/[^a-z0-9-]/g, '');
  for (const title of ['First listing', 'Second listing']) await publishDataset(app, vendor, { title, tags: [tag] });
});

afterAll(() => app?.close());

describe('execution', () => {
  it('answers data, aliases, fragments and variables the same on every run', async () => {
    const query = `query Page($tag: String!, $first: Int) {
      page: datasets(first: $first, filter: { tags: [$tag] }, orderBy: TITLE) { totalCount edges { node { ...L } } }
    } fragment L on Dataset { title vendor { slug } latestVersion { version lineage { generationDepth } } }`;
    const all = await answers({ query, variables: { tag, first: 5 } });
    expect(all[0]!.body.data.page.edges.map((e: any) => e.node.title)).toEqual(['First listing', 'Second listing']);
    for (const a of all) expect(a).toEqual(all[0]);
  });

  it('answers resolver errors, partial data and bad variables the same on every run', async () => {
    // A nullable field that fails leaves the rest of the answer; a non-null one takes its parent (here: all data).
    const partial = `query($tag: String!) {
      ok: datasets(first: 1, filter: { tags: [$tag] }) { totalCount }
      both: dataset(id: "ds_x", slug: "a/b") { id }
    }`;
    const first = await answers({ query: partial, variables: { tag } });
    expect(first[0]!.body.data).toEqual({ ok: { totalCount: 2 }, both: null });
    expect(first[0]!.body.errors).toMatchObject([{ path: ['both'], extensions: { code: 'BAD_USER_INPUT', field: 'slug' } }]);
    for (const a of first) expect(a).toEqual(first[0]);
    const nonNull = await answers({ query: `{ ok: datasets(first: 1) { totalCount } tooMany: datasets(first: 500) { totalCount } }` });
    expect(nonNull[0]!.body).toMatchObject({
      data: null,
      errors: [{ path: ['tooMany'], extensions: { code: 'BAD_USER_INPUT', field: 'first' } }],
    });
    for (const a of nonNull) expect(a).toEqual(nonNull[0]);

    const typed = `query($first: Int, $tag: String!) { datasets(first: $first, filter: { tags: [$tag] }) { totalCount } }`;
    const badVariable = await answers({ query: typed, variables: { first: 'many', tag } });
    // application/json (what this test's client accepts): a well-formed request's errors come with 200.
    expect(badVariable[0]!.status).toBe(200);
    expect(badVariable[0]!.body.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT', field: 'first' } }]);
    for (const a of badVariable) expect(a).toEqual(badVariable[0]);

    const mutation = `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { dataset { id } } }`;
    const nested = await answers(
      { query: mutation, variables: { input: { slug: 'x', title: 'X', kind: 'REAL', modality: 'NOPE' } } },
      vendor.key,
    );
    expect(nested[0]!.body.errors!.map((e: any) => e.extensions)).toEqual([
      { code: 'BAD_USER_INPUT', field: 'input.modality' },
      { code: 'BAD_USER_INPUT', field: 'input.terms' },
    ]);
    for (const a of nested) expect(a).toEqual(nested[0]);

    const anonymous = await answers({
      query: mutation,
      variables: { input: { slug: 'x', title: 'X', kind: 'REAL', modality: 'TEXT', terms: {} } },
    });
    for (const a of anonymous) expect(a).toEqual(anonymous[0]);
  });

  it('names an unknown operation the same on every run, also beside a lone anonymous one', async () => {
    for (const query of ['query A { __typename } query B { __typename }', '{ __typename }']) {
      const all = await answers({ query, operationName: 'C' });
      expect(all[0]!.status).toBe(200);
      expect(all[0]!.body.errors).toMatchObject([{ message: 'Unknown operation named "C".', extensions: { code: 'BAD_USER_INPUT' } }]);
      for (const a of all) expect(a).toEqual(all[0]);
    }
  });
});

describe('compiled execution of canonical leaves', () => {
  // Values a resolver returns in another form than its type's: graphql-js serializes each ("5", 7, 0.5, "12").
  const schema = makeExecutableSchema({
    typeDefs: `enum Kind { A B } type Item { name: String! count: Int! ratio: Float kind: Kind! id: ID! } type Query { item: Item! }`,
    resolvers: { Query: { item: () => ({ name: 5, count: '7', ratio: '0.5', kind: 'A', id: 12 }) } },
  });
  const run = async (canonicalLeaves: ReadonlySet<string>, query: string) => {
    const compiledWith: unknown[] = [];
    const compile: typeof compileQuery = (s, document, name, options) => {
      compiledWith.push(options?.disableLeafSerialization);
      return compileQuery(s, document, name, options);
    };
    const server = new ApolloServer({ gateway: compiledExecution(schema, { onError: () => undefined, compile, canonicalLeaves }) });
    await server.start();
    try {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(JSON.stringify((await server.executeOperation({ query })).body));
      return { answers, compiledWith };
    } finally {
      await server.stop();
    }
  };

  it('serializes every leaf outside the canonical set on compiled runs too, as graphql-js does on the first', async () => {
    const { answers, compiledWith } = await run(new Set(['Item.kind', 'Item.name']), `query Q { item { name count ratio kind id } }`);
    expect(compiledWith).toEqual([false]);
    expect(JSON.parse(answers[0]!).singleResult.data).toEqual({ item: { name: '5', count: 7, ratio: 0.5, kind: 'A', id: '12' } });
    for (const a of answers) expect(a).toBe(answers[0]);
  });

  it('compiles an operation of canonical leaves only (through fragments too) without leaf serialization', async () => {
    const { answers, compiledWith } = await run(
      new Set(['Item.kind']),
      `query Q { item { __typename ...K ... on Item { kind } } } fragment K on Item { kind }`,
    );
    expect(compiledWith).toEqual([true]);
    expect(JSON.parse(answers[0]!).singleResult.data).toEqual({ item: { __typename: 'Item', kind: 'A' } });
    for (const a of answers) expect(a).toBe(answers[0]);
  });
});

describe('compiled execution failures', () => {
  it('counts (and logs) an internal error in /metrics on every run, the compiled ones too', async () => {
    const slow = await startTestApp({ ASSAY_STATEMENT_TIMEOUT_MS: '300' });
    const locker = new pg.Client({ connectionString: slow.databaseUrl });
    await locker.connect();
    const internalErrors = async () =>
      Number(
        /^assay_graphql_errors_total\{code="INTERNAL_SERVER_ERROR"\} (\d+)$/m.exec(
          await (await fetch(`${slow.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE datasets IN ACCESS EXCLUSIVE MODE');
      // The same document three times: interpreted, then compiled twice. Each waits for the lock past the statement timeout.
      const answers = [];
      for (let run = 1; run <= 3; run++) {
        const res = await slow.gql(`query Locked { datasets(first: 1) { totalCount } }`);
        answers.push(res.errors);
        expect(await internalErrors()).toBe(run);
      }
      // Compiled or not, the client sees the same error, with its path and location.
      expect(answers[0]).toEqual([
        {
          message: 'Internal server error',
          locations: [{ line: 1, column: 16 }],
          path: ['datasets'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      for (const a of answers) expect(a).toEqual(answers[0]);
    } finally {
      await locker.end();
      await slow.close();
    }
  });

  it('falls back to the interpreter for an operation graphql-jit cannot compile, and says so once', async () => {
    const schema = makeExecutableSchema({
      typeDefs: `type Query { greeting(name: String = "you"): String! }`,
      resolvers: { Query: { greeting: (_: unknown, { name }: { name: string }) => `hello ${name}` } },
    });
    const failures: [unknown, string][] = [];
    // What graphql-jit returns for a document it cannot compile: an execution result with errors.
    const cannotCompile = () => ({ errors: [new GraphQLError('graphql-jit cannot compile this')] });
    const server = new ApolloServer({
      gateway: compiledExecution(schema, { onError: (err, stage) => failures.push([err, stage]), compile: cannotCompile }),
    });
    await server.start();
    try {
      for (let run = 0; run < 4; run++) {
        const res = await server.executeOperation({ query: `query Greet($n: String) { greeting(name: $n) }`, variables: { n: 'Ada' } });
        expect(res.body).toMatchObject({ kind: 'single', singleResult: { data: { greeting: 'hello Ada' } } });
        expect((res.body as { singleResult: { errors?: unknown } }).singleResult.errors).toBeUndefined();
      }
      expect(failures).toEqual([[expect.objectContaining({ message: 'graphql-jit cannot compile this' }), 'compile']]);
    } finally {
      await server.stop();
    }
  });
});
