import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { TestCluster } from './support/cluster.js';
import { OPEN_TERMS, dataFile, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

// The server talks to a PostgreSQL of this file's own, which the tests stop, kill, restart and freeze.
let cluster: TestCluster;
let app: TestApp;
let vendor: Org;
let buyer: Org;
let versionId: string;
let token: string;
const content = randomBytes(4096);

const BUFFER_MAX = 20;
const ENV = {
  ASSAY_DB_CONNECT_TIMEOUT_MS: '1000',
  ASSAY_STATEMENT_TIMEOUT_MS: '1000', // the client-side query timeout follows: 2000
  ASSAY_REQUEST_TIMEOUT_MS: '10000', // far above both: a stalled database is answered by them, not by the deadline
  ASSAY_USAGE_RETRY_MAX_MS: '800',
  ASSAY_USAGE_BUFFER_MAX: String(BUFFER_MAX),
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A request with the time it took. */
async function timed(path: string, init: RequestInit = {}) {
  const started = performance.now();
  const res = await fetch(`${app.url}${path}`, init);
  const json = res.headers.get('content-type')?.includes('json');
  const body = json ? ((await res.json()) as any) : await res.arrayBuffer();
  return { status: res.status, headers: res.headers, body, ms: performance.now() - started };
}

const download = (bearer = token) => timed(`/data/${versionId}/data/file.bin`, { headers: { authorization: `Bearer ${bearer}` } });
let documents = 0;
/**
 * POSTs `query` as a document this server has not seen (a numbered comment): an operation's first run is
 * interpreted by graphql-js, so these tests do not depend on how the compiled path shapes resolver errors.
 */
const graphql = (query: string, key?: string) =>
  timed('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: `${query} # ${++documents}` }),
  });

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{}`));
  return Number(line?.split(' ').at(-1));
}

/** Expires the download gate's cached token, license and version state (a second) and the key ring's (ten). */
const forgetCachedState = () => app.clock.advance(11_000);

const healthy = async () => (await timed('/healthz')).status === 200;

function expectGraphQLUnavailable(res: Awaited<ReturnType<typeof graphql>>) {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.headers.get('retry-after')).toBe('2');
  expect(res.body.errors[0], JSON.stringify(res.body)).toMatchObject({
    message: 'The database is unavailable; try again shortly',
    extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DATABASE_UNAVAILABLE' },
  });
}

function expectHttpUnavailable(res: Awaited<ReturnType<typeof timed>>) {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.headers.get('retry-after')).toBe('2');
  expect(res.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
}

beforeAll(async () => {
  cluster = await TestCluster.create();
  app = await startTestApp(ENV, { databaseUrl: cluster.url });
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  const published = await publishDataset(app, vendor, {}, { files: [dataFile('data/file.bin', content, 10)] });
  versionId = published.versionId;
  const offerId = ok(
    await app.gql(
      `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }`,
      { input: { datasetId: published.datasetId, name: 'Free', pricingModel: 'FREE', terms: OPEN_TERMS } },
      vendor.key,
    ),
  ).createOffer.offer.id;
  const licenseId = ok(
    await app.gql(
      `mutation($input: PurchaseLicenseInput!) { purchaseLicense(input: $input) { license { id } } }`,
      { input: { offerId, idempotencyKey: 'faults-1' } },
      buyer.key,
    ),
  ).purchaseLicense.license.id;
  token = ok(
    await app.gql(
      `mutation($input: IssueAccessTokenInput!) { issueAccessToken(input: $input) { token } }`,
      { input: { licenseId } },
      buyer.key,
    ),
  ).issueAccessToken.token;
  expect((await download()).status).toBe(200);
}, 120_000);

afterAll(async () => {
  cluster?.thaw();
  await app?.close();
  await cluster?.destroy();
});

describe('the database connection is lost', () => {
  it('a checked-out client whose connection is terminated (57P01) does not kill the process; the pool replaces it', async () => {
    // As a transaction, a migration or a listener holds it: checked out, between statements.
    const held = await app.database.pool.connect();
    await held.query('SELECT 1');
    expect(await cluster.terminateBackends()).toBeGreaterThan(0);
    // The client learns of it from its socket (an unhandled 'error' event here used to end the process).
    await until(
      async () =>
        held.query('SELECT 1').then(
          () => false,
          () => true,
        ),
      5000,
      'the held client to fail',
    );
    held.release();
    // Idle connections were terminated too; a request that meets one before its socket says so is answered 503
    // (Retry-After), and the pool has replaced them all within moments.
    await until(async () => (await app.gql(`{ viewer { user { id } } }`, {}, buyer.key)).errors === undefined, 5000, 'service to resume');
    expect(ok(await app.gql(`{ viewer { user { id } } }`, {}, buyer.key)).viewer.user.id).toMatch(/^usr_/);
    expect(await healthy()).toBe(true);
  });

  it('with DATABASE_URL: 503 with Retry-After while the database is down, and it reconnects on its own when it returns', async () => {
    await cluster.stop();
    const health = await timed('/healthz');
    expect(health.status).toBe(503);
    expect(health.ms).toBeLessThan(2000);
    expect(health.body).toMatchObject({ status: 'unavailable', database: { ok: false } });

    expectGraphQLUnavailable(
      await graphql(`
        {
          datasets {
            totalCount
          }
        }
      `),
    );
    // An API key is not UNAUTHENTICATED because its row could not be read.
    const withKey = await graphql(
      `
        {
          viewer {
            user {
              id
            }
          }
        }
      `,
      buyer.key,
    );
    expectGraphQLUnavailable(withKey);
    // Nor on the plain HTTP routes (an upload's key, a download's token).
    expectHttpUnavailable(
      await timed('/uploads/upl_00000000000000000000000000', {
        method: 'PUT',
        headers: { authorization: `Bearer ${vendor.key}` },
        body: 'x',
      }),
    );
    forgetCachedState();
    const refused = await download();
    expectHttpUnavailable(refused);
    expect(refused.headers.get('www-authenticate')).toBeNull();

    // A managed failover: the same URL answers again, and nobody restarts the server.
    await cluster.start();
    await until(healthy, 10_000, 'healthz to answer 200');
    expect(ok(await app.gql(`{ viewer { user { id } } }`, {}, buyer.key)).viewer.user.id).toMatch(/^usr_/);
    expect((await download()).status).toBe(200);
  }, 60_000);

  it('after a SIGKILL of the postmaster and a restart, service resumes', async () => {
    await cluster.kill();
    expect((await timed('/healthz')).status).toBe(503);
    expectGraphQLUnavailable(
      await graphql(
        `
          {
            viewer {
              user {
                id
              }
            }
          }
        `,
        buyer.key,
      ),
    );
    await cluster.start();
    await until(healthy, 10_000, 'healthz to answer 200');
    expect(ok(await app.gql(`{ datasets { totalCount } }`)).datasets.totalCount).toBeGreaterThan(0);
  }, 60_000);
});

describe('a stalled database (every PostgreSQL process frozen)', () => {
  it('/healthz says 503 within 2 s; GraphQL and downloads answer 503 with Retry-After at the client-side timeouts, never hang', async () => {
    await until(healthy, 10_000, 'healthz to answer 200');
    forgetCachedState();
    cluster.freeze();
    try {
      const [health, anonymous, keyed, refused] = await Promise.all([
        timed('/healthz'),
        graphql(`
          {
            datasets {
              totalCount
            }
          }
        `),
        graphql(
          `
            {
              viewer {
                user {
                  id
                }
              }
            }
          `,
          buyer.key,
        ),
        download(),
      ]);
      expect(health.status).toBe(503);
      expect(health.ms).toBeLessThan(2000);
      for (const res of [anonymous, keyed]) {
        expectGraphQLUnavailable(res);
        // Bounded by the connect (1 s) or query (2 s) timeout, well before the 10 s request deadline.
        expect(res.ms).toBeLessThan(5000);
      }
      expectHttpUnavailable(refused);
      expect(refused.ms).toBeLessThan(5000);
      // Still frozen: health keeps answering quickly, however many probes wait.
      const probes = await Promise.all(Array.from({ length: 5 }, () => timed('/healthz')));
      for (const p of probes) expect([p.status, p.ms < 2000]).toEqual([503, true]);
    } finally {
      cluster.thaw();
    }
    await until(healthy, 10_000, 'healthz to answer 200 after the thaw');
    expect(ok(await app.gql(`{ viewer { user { id } } }`, {}, buyer.key)).viewer.user.id).toMatch(/^usr_/);
    expect((await download()).status).toBe(200);
  }, 60_000);
});

describe('usage written while the database is away', () => {
  const usageRows = async () => (await cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_events'))[0]!.n;
  const servedAudits = async () =>
    (await cluster.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'download.served'`))[0]!.n;

  it('is kept, retried with backoff (not every 100 ms) and written exactly once, with its audit records, when the database returns', async () => {
    await until(healthy, 10_000, 'healthz to answer 200');
    await until(async () => (await metric('assay_usage_buffered')) === 0, 5000, 'the buffer to drain');
    // As below: a listener reconnecting after the warm-up would drop the gate's cache the downloads are served from.
    await until(async () => (await metric('assay_gate_change_listener_up')) === 1, 15_000, 'the gate to listen');
    const before = await usageRows();
    expect(await servedAudits()).toBe(before);
    // Warm the gate's one-second state cache (the test clock stands still), then take the database away.
    expect((await download()).status).toBe(200);
    await until(async () => (await usageRows()) === before + 1, 5000, 'the first download to be written');
    const failuresBefore = await metric('assay_usage_write_failures');
    await cluster.stop();
    const served = 5;
    for (let i = 0; i < served; i++) expect((await download()).status).toBe(200);
    // A response is recorded when the server has handed its last byte to the socket, which the client may see first.
    await until(async () => (await metric('assay_usage_buffered')) === served, 5000, 'the five downloads to be buffered');
    await sleep(3000);
    // 100 ms, 200, 400, 800, 800...: a handful of attempts in 3 s, not thirty.
    const failures = (await metric('assay_usage_write_failures')) - failuresBefore;
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(failures).toBeLessThanOrEqual(8);
    await cluster.start();
    await until(async () => (await metric('assay_usage_buffered')) === 0, 10_000, 'the buffer to be written');
    expect(await usageRows()).toBe(before + 1 + served);
    expect(await servedAudits()).toBe(before + 1 + served);
    expect(ok(await app.gql(`{ verifyAuditLog { ok } }`, {}, ADMIN_KEY)).verifyAuditLog.ok).toBe(true);
  }, 60_000);

  it('a full buffer refuses new downloads with 503 (counted) instead of dropping usage; all of it is written later', async () => {
    await until(async () => (await metric('assay_usage_buffered')) === 0, 10_000, 'the buffer to drain');
    // The gate's change listener, cut by the last test's restart, drops the gate's cache when it reconnects: let it
    // reconnect first, so the warm-up below is what the gate serves from while the database is away.
    await until(async () => (await metric('assay_gate_change_listener_up')) === 1, 15_000, 'the gate to listen again');
    const before = await usageRows();
    expect((await download()).status).toBe(200);
    await until(async () => (await usageRows()) === before + 1, 5000, 'the warm-up download to be written');
    await cluster.stop();
    for (let i = 0; i < BUFFER_MAX; i++) expect((await download()).status).toBe(200);
    // Each of them is buffered once the server has handed its last byte to the socket (see the test above).
    await until(async () => (await metric('assay_usage_buffered')) === BUFFER_MAX, 5000, 'the buffer to fill');
    const refusedBefore = await metric('assay_usage_refused_downloads');
    expectHttpUnavailable(await download());
    expect(await metric('assay_usage_refused_downloads')).toBe(refusedBefore + 1);
    await cluster.start();
    await until(async () => (await metric('assay_usage_buffered')) === 0, 10_000, 'the buffer to be written');
    expect(await usageRows()).toBe(before + 1 + BUFFER_MAX);
    expect((await download()).status).toBe(200);
  }, 60_000);
});
