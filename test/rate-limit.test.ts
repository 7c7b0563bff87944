import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { ok, signUp, type Org } from './support/fixtures.js';

const VIEWER = `{ viewer { user { id } } }`;

/** POSTs `{ viewer }` with optional key and forwarded address; returns status, headers and body. */
async function call(app: TestApp, options: { key?: string; from?: string } = {}) {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.from ? { 'x-forwarded-for': options.from } : {}),
    },
    body: JSON.stringify({ query: VIEWER }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] };
  return { status: res.status, headers: res.headers, body };
}

const statuses = async (n: number, send: () => Promise<{ status: number }>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send()).status);
  return out;
};

describe('rate limits (60 per minute, burst 3)', () => {
  let app: TestApp;
  let buyer: Org;
  let vendor: Org;
  beforeAll(async () => {
    app = await startTestApp({ ASSAY_RATE_LIMIT_PER_MINUTE: '60', ASSAY_RATE_LIMIT_BURST: '3' });
    buyer = await signUp(app, 'BUYER');
    vendor = await signUp(app, 'VENDOR', { approve: false });
  });
  afterAll(async () => {
    await app?.close();
  });
  // Every test starts with full buckets: the refill is a minute's worth of the server's clock.
  const refill = () => app.clock.advance(60_000);

  it('lets an anonymous client burst 3 requests, then answers 429 with Retry-After and a RATE_LIMITED GraphQL error', async () => {
    refill();
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(app);
      expect(res.status).toBe(200);
      seen.push([res.headers.get('ratelimit-limit'), res.headers.get('ratelimit-remaining')]);
    }
    expect(seen).toEqual([
      ['3', '2'],
      ['3', '1'],
      ['3', '0'],
    ]);
    const refused = await call(app);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(refused.body).toEqual({
      errors: [{ message: 'Too many requests; retry in 1 s', extensions: { code: 'RATE_LIMITED', retryAfter: 1 } }],
    });
    // One token a second comes back.
    app.clock.advance(1000);
    expect((await call(app)).status).toBe(200);
    expect((await call(app)).status).toBe(429);
    app.clock.advance(3000);
    expect(await statuses(4, () => call(app))).toEqual([200, 200, 200, 429]);
  });

  it('gives each API key its own bucket, apart from the anonymous one', async () => {
    refill();
    expect(await statuses(4, () => call(app, { key: buyer.key }))).toEqual([200, 200, 200, 429]);
    expect(await statuses(4, () => call(app, { key: vendor.key }))).toEqual([200, 200, 200, 429]);
    expect((await call(app)).status).toBe(200);
    expect((await call(app, { key: buyer.key })).body.errors![0]!.extensions.code).toBe('RATE_LIMITED');
  });

  it('does not give invented keys fresh buckets: failed authentications drain their address', async () => {
    refill();
    const invented = (i: number) => `ak_invented_key_number_${i}_000000000000`;
    expect(await statuses(3, async () => call(app, { key: invented(Math.random()) }))).toEqual([401, 401, 401]);
    expect((await call(app, { key: invented(99) })).status).toBe(429);
    // The address is being used to guess keys, so a real key from it waits too; the refill lets it back in.
    expect((await call(app, { key: ADMIN_KEY })).status).toBe(429);
    refill();
    expect((await call(app, { key: ADMIN_KEY })).status).toBe(200);
  });

  it('limits every route by client address before it does anything, health checks and metrics included', async () => {
    refill();
    const routes = ['/healthz', '/metrics', '/.well-known/jwks.json', '/', '/no/such/route'];
    expect(await statuses(3, () => fetch(`${app.url}/healthz`))).toEqual([200, 200, 200]);
    for (const route of routes) {
      const res = await fetch(`${app.url}${route}`);
      expect(res.status, route).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('x-sql-statements')).toBe('0');
      expect(await res.json()).toEqual({
        error: 'Too Many Requests',
        code: 'RATE_LIMITED',
        message: 'Too many requests; retry in 1 s',
        retryAfter: 1,
      });
    }
    const webhook = await fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(webhook.status).toBe(429);
    expect((await call(app)).status).toBe(429);
    // A client with its own API key has its own bucket.
    expect((await call(app, { key: ADMIN_KEY })).status).toBe(200);
  });

  it('refuses a flood of junk access tokens on /data with 429 before any SQL, past the unproven-credential burst', async () => {
    refill();
    const junk = (i: number) => `eyJhbGciOiJFZERTQSIsImtpZCI6Imp1bmsifQ.eyJqdGkiOiJ0b2tfJHtpfSJ9.${'x'.repeat(20)}${i}`;
    const answers = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const res = await fetch(`${app.url}/data/dsv_00000000000000000000000000/train.csv`, {
          headers: { authorization: `Bearer ${junk(i)}` },
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), sql: res.headers.get('x-sql-statements') };
      }),
    );
    // Three tokens are looked at (and refused as invalid); the rest are refused at the door.
    expect(answers.filter((a) => a.status === 401)).toHaveLength(3);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(27);
    for (const a of limited) expect(a).toEqual({ status: 429, retryAfter: '1', sql: '0' });
    // Uploads and the audit export share the address's unproven-credential bucket.
    const upload = await fetch(`${app.url}/uploads/upl_x`, {
      method: 'PUT',
      headers: { authorization: 'Bearer ak_guess_000000000000000000000' },
      body: 'x',
    });
    expect(upload.status).toBe(429);
    const exportAudit = await fetch(`${app.url}/audit/export`, { headers: { authorization: 'Bearer ak_guess_000000000000000000001' } });
    expect(exportAudit.status).toBe(429);
  });
});

describe('rate limits by client address behind a proxy', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ASSAY_RATE_LIMIT_PER_MINUTE: '60', ASSAY_RATE_LIMIT_BURST: '2', ASSAY_TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('limits each forwarded address on its own, and an IPv6 /64 as one client', async () => {
    expect(await statuses(3, () => call(app, { from: '203.0.113.7' }))).toEqual([200, 200, 429]);
    expect(await statuses(3, () => call(app, { from: '203.0.113.8' }))).toEqual([200, 200, 429]);
    expect((await call(app, { from: '2001:db8:1:2::1' })).status).toBe(200);
    expect((await call(app, { from: '2001:DB8:1:2:ffff::9' })).status).toBe(200);
    expect((await call(app, { from: '2001:db8:1:2:0:0:0:77' })).status).toBe(429);
    expect((await call(app, { from: '2001:db8:1:3::1' })).status).toBe(200);
  });

  it('forgets idle clients, so memory follows the clients active lately', async () => {
    const buckets = async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return Number(/^assay_rate_limit_buckets (\d+)$/m.exec(text)?.[1]);
    };
    for (let i = 0; i < 40; i++) await call(app, { from: `198.51.100.${i}` });
    expect(await buckets()).toBeGreaterThanOrEqual(40);
    // Two seconds refill a burst of 2: every bucket is full again and carries no information.
    app.clock.advance(2000);
    for (let i = 0; i < 5; i++) await call(app, { from: '192.0.2.1' });
    // That address's bucket, and the one of the scrape itself (from 127.0.0.1).
    expect(await buckets()).toBe(2);
  });
});

describe('rate limit configuration', () => {
  const base = { DATABASE_URL: 'postgres://localhost/x' };
  it('defaults to 600 a minute with a burst of 100, turns off with 0 and refuses nonsense', () => {
    expect(loadConfig(base).limits.rateLimit).toEqual({ perMinute: 600, burst: 100, store: 'memory' });
    expect(loadConfig({ ...base, ASSAY_RATE_LIMIT_PER_MINUTE: '0' }).limits.rateLimit).toBeUndefined();
    expect(loadConfig({ ...base, ASSAY_RATE_LIMIT_PER_MINUTE: '30', ASSAY_RATE_LIMIT_BURST: '5' }).limits.rateLimit).toEqual({
      perMinute: 30,
      burst: 5,
      store: 'memory',
    });
    expect(loadConfig({ ...base, ASSAY_RATE_LIMIT_STORE: 'postgres' }).limits.rateLimit?.store).toBe('postgres');
    expect(() => loadConfig({ ...base, ASSAY_RATE_LIMIT_STORE: 'redis' })).toThrow(/ASSAY_RATE_LIMIT_STORE: must be memory or postgres/);
    expect(() => loadConfig({ ...base, ASSAY_RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ASSAY_RATE_LIMIT_BURST: '0' })).toThrow(/ASSAY_RATE_LIMIT_BURST/);
  });

  it('is off in the other tests, which make many requests quickly', async () => {
    const app = await startTestApp();
    try {
      expect(await statuses(150, () => call(app))).toEqual(Array(150).fill(200));
      expect(ok(await app.gql(VIEWER)).viewer).toBeNull();
    } finally {
      await app.close();
    }
  });
});
