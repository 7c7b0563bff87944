import { auditServer } from 'graphql-http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe('GraphQL over HTTP (the graphql-http audit)', () => {
  it('passes every MUST and every SHOULD of the spec against the real server', async () => {
    const results = await auditServer({ url: `${app.url}/graphql` });
    // 'error' is a MUST, 'warn' a SHOULD; 'notice' (a MAY: GET with URL-encoded variables) stays off, as
    // Apollo's CSRF prevention wants a preflight header on GETs.
    const failed = results
      .filter((r) => r.status === 'error' || r.status === 'warn')
      .map((r) => `${r.status.toUpperCase()} ${r.id} ${r.name}${'reason' in r ? `: ${r.reason}` : ''}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
  });
});

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const post = (url: string, body: string, accept?: string) =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) }, body });

describe("the server's own answers speak the media type the client asked for", () => {
  it('answers a document that does not parse 200 in application/json and 400 in application/graphql-response+json', async () => {
    const bad = JSON.stringify({ query: '{ viewer {' });
    const legacy = await post(app.url, bad, 'application/json');
    expect([legacy.status, legacy.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
    expect(((await legacy.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const modern = await post(app.url, bad, GRAPHQL_RESPONSE);
    expect([modern.status, modern.headers.get('content-type')]).toEqual([400, `${GRAPHQL_RESPONSE}; charset=utf-8`]);
    // A request that is not well-formed (no query at all) is 400 in either type.
    expect((await post(app.url, JSON.stringify({ variables: {} }), 'application/json')).status).toBe(400);
  });

  it('answers 429 and 413 in application/graphql-response+json when asked, application/json otherwise', async () => {
    const limited = await startTestApp({ ASSAY_RATE_LIMIT_PER_MINUTE: '60', ASSAY_RATE_LIMIT_BURST: '2', ASSAY_BODY_LIMIT_BYTES: '4096' });
    try {
      const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(5000) } });
      const tooBig = await post(limited.url, big, GRAPHQL_RESPONSE);
      expect([tooBig.status, tooBig.headers.get('content-type')]).toEqual([413, `${GRAPHQL_RESPONSE}; charset=utf-8`]);
      expect(((await tooBig.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const small = JSON.stringify({ query: '{ __typename }' });
      await post(limited.url, small);
      let refused: Response | undefined;
      for (let i = 0; i < 5 && !refused; i++) {
        const res = await post(limited.url, small, `${GRAPHQL_RESPONSE}, application/json;q=0.9`);
        if (res.status === 429) refused = res;
        else await res.arrayBuffer();
      }
      expect(refused?.headers.get('content-type')).toBe(`${GRAPHQL_RESPONSE}; charset=utf-8`);
      expect(((await refused!.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');
      const legacy = await post(limited.url, small, 'application/json');
      expect([legacy.status, legacy.headers.get('content-type')]).toEqual([429, 'application/json; charset=utf-8']);
    } finally {
      await limited.close();
    }
  });

  it('answers the request deadline (503) in application/graphql-response+json when asked', async () => {
    const slow = await startTestApp({ ASSAY_REQUEST_TIMEOUT_MS: '500' });
    const locker = new pg.Client({ connectionString: slow.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE');
      const create = `mutation { createOrganization(input: { name: "Slow", slug: "slow-org", kind: BUYER, owner: { name: "S", email: "s@example.com" } }) { organization { id } } }`;
      const res = await post(slow.url, JSON.stringify({ query: create }), GRAPHQL_RESPONSE);
      expect([res.status, res.headers.get('content-type')]).toEqual([503, `${GRAPHQL_RESPONSE}; charset=utf-8`]);
      expect(((await res.json()) as any).errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', reason: 'TIMEOUT' });
      await locker.query('COMMIT');
    } finally {
      await locker.end();
      await slow.close();
    }
  });
});
