import { randomBytes } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestApp, type TestApp } from './support/app.js';
import { expectError, ok } from './support/fixtures.js';

const apps: TestApp[] = [];
const start = async (env: Record<string, string> = {}) => {
  const app = await startTestApp(env);
  apps.push(app);
  return app;
};
afterAll(() => Promise.all(apps.map((a) => a.close())));

/** The first error of an answer, with its HTTP status and the SQL it cost. */
async function refused(app: TestApp, query: string) {
  const res = await app.gql(query);
  expect(res.errors, JSON.stringify(res.data)?.slice(0, 200)).toBeDefined();
  return { status: res.status, sql: Number(res.headers.get('x-sql-statements')), error: res.errors![0]! };
}

describe('introspection under the query limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await start();
  });

  it('counts aliases inside __schema: 140 aliased `types` are refused before anything runs', async () => {
    const aliased = Array.from({ length: 140 }, (_, i) => `t${i}: types { name fields { name } }`).join(' ');
    const r = await refused(app, `{ __schema { ${aliased} } }`);
    expect(r).toMatchObject({ status: 400, sql: 0 });
    expect(r.error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', reason: 'ALIASES', aliases: 140, limit: 30 });
  });

  it("costs introspection lists by the schema's size, so a few aliased copies of every type's fields are refused", async () => {
    // One copy is one object per type and per field (its args and type references on top).
    const copy = `types { name fields { name args { name } type { name } } }`;
    ok(await app.gql(`{ __schema { ${copy} } }`));
    const copies = (n: number) => Array.from({ length: n }, (_, i) => `c${i}: ${copy}`).join(' ');
    const r = await refused(app, `{ __schema { ${copies(20)} } }`);
    expect(r).toMatchObject({ status: 400, sql: 0 });
    expect(r.error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', reason: 'COST', limit: 5000 });
    // The same through fragments and __type.
    const viaFragments = await refused(
      app,
      `{ ...S ...S } fragment S on Query { __schema { ...T ...T ...T ...T ...T } } fragment T on __Schema { ${copies(2)} }`,
    );
    expect(viaFragments.error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', reason: 'COST' });
  });

  it('counts the depth of introspection', async () => {
    const chain = (n: number) => `${'ofType { '.repeat(n)}name${' }'.repeat(n)}`;
    // __type, fields, type, then the chain, then name: 4 + n.
    ok(await app.gql(`{ __type(name: "Dataset") { fields { type { ${chain(10)} } } } }`));
    const r = await refused(app, `{ __type(name: "Dataset") { fields { type { ${chain(12)} } } } }`);
    expect(r.error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', reason: 'DEPTH', depth: 16, limit: 15 });
  });

  it("lets the IDE's full introspection query through under the default limits", async () => {
    const full = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      inputValueDeprecation: true,
    });
    expect(ok(await app.gql(full)).__schema.queryType.name).toBe('Query');
  });
});

describe('ASSAY_INTROSPECTION', () => {
  it('is on by default outside production and off in production, and is validated', () => {
    const base = { DATABASE_URL: 'postgres://localhost/x' };
    const production = { ...base, NODE_ENV: 'production', ASSAY_SECRET: 'x'.repeat(32) };
    expect(loadConfig(base).introspection).toBe(true);
    expect(loadConfig({ ...base, ASSAY_INTROSPECTION: '0' }).introspection).toBe(false);
    expect(loadConfig(production).introspection).toBe(false);
    expect(loadConfig({ ...production, ASSAY_INTROSPECTION: '1' }).introspection).toBe(true);
    expect(() => loadConfig({ ...base, ASSAY_INTROSPECTION: 'off' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ASSAY_INTROSPECTION: 'off' })).toThrow(/ASSAY_INTROSPECTION/);
  });

  it('turned off, refuses __schema and __type as invalid queries before they run; __typename still answers', async () => {
    const off = await start({ ASSAY_INTROSPECTION: '0' });
    for (const query of [
      getIntrospectionQuery(),
      `{ __type(name: "Dataset") { name } }`,
      `{ ...F } fragment F on Query { __schema { queryType { name } } }`,
    ]) {
      const r = await refused(off, query);
      expect(r).toMatchObject({ status: 400, sql: 0 });
      expectError({ status: r.status, headers: new Headers(), errors: [r.error] }, 'BAD_USER_INPUT', 'query');
      expect(r.error.message).toMatch(/^Introspection is turned off on this server; the query asks for "__(schema|type)"$/);
    }
    expect(ok(await off.gql(`{ __typename datasets(first: 1) { __typename } }`))).toEqual({
      __typename: 'Query',
      datasets: { __typename: 'DatasetConnection' },
    });
  });

  it('is off in production by default', async () => {
    const production = await start({ NODE_ENV: 'production', ASSAY_SECRET: randomBytes(32).toString('base64url') });
    expect((await refused(production, `{ __schema { queryType { name } } }`)).error.extensions.code).toBe('BAD_USER_INPUT');
    ok(await production.gql(`{ __typename }`));
  });
});
