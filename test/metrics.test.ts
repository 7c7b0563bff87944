import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { expectError, ok } from './support/fixtures.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

/** The samples of a Prometheus text exposition, keyed by `name{labels}`; also checks every line's syntax. */
async function scrape(target: TestApp, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = await fetch(`${target.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      expect(line).toMatch(/^# (HELP|TYPE) [a-z_:][a-z0-9_:]* .+$/);
      continue;
    }
    const m = /^([a-z_:][a-z0-9_:]*(?:\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})?) (-?[0-9.e+]+|\+Inf|NaN)$/.exec(line);
    expect(m, line).not.toBeNull();
    samples.set(m![1]!, Number(m![2]));
  }
  return samples;
}

describe('GET /metrics', () => {
  it('counts requests by route template and status, and times them in a histogram', async () => {
    const before = await scrape(app);
    const post = 'assay_http_requests_total{route="/graphql",method="POST",status="200"}';
    for (let i = 0; i < 3; i++) ok(await app.gql(`{ __typename }`));
    await fetch(`${app.url}/no/such/thing/${Math.random()}`);
    await fetch(`${app.url}/healthz`);
    const after = await scrape(app);
    expect(after.get(post)! - (before.get(post) ?? 0)).toBe(3);
    // Unknown URLs share one label instead of adding a series each.
    expect(after.get('assay_http_requests_total{route="unmatched",method="GET",status="404"}')).toBeGreaterThanOrEqual(1);
    expect([...after.keys()].some((k) => k.includes('/no/such/thing'))).toBe(false);
    expect(after.get('assay_http_requests_total{route="/healthz",method="GET",status="200"}')).toBeGreaterThanOrEqual(1);

    const count = after.get('assay_http_request_duration_seconds_count{route="/graphql",method="POST"}')!;
    expect(count).toBeGreaterThanOrEqual(3);
    expect(after.get('assay_http_request_duration_seconds_bucket{route="/graphql",method="POST",le="+Inf"}')).toBe(count);
    expect(after.get('assay_http_request_duration_seconds_bucket{route="/graphql",method="POST",le="30"}')).toBe(count);
    expect(after.get('assay_http_request_duration_seconds_sum{route="/graphql",method="POST"}')).toBeGreaterThan(0);
  });

  it('counts GraphQL errors by code', async () => {
    const before = await scrape(app);
    const code = (c: string) => `assay_graphql_errors_total{code="${c}"}`;
    expectError(await app.gql(`{ dataset(slug: "no-slash") { id } }`), 'BAD_USER_INPUT');
    expectError(await app.gql(`{ nope }`), 'BAD_USER_INPUT');
    expectError(await app.gql(`mutation { createApiKey(input: { name: "x" }) { secret } }`), 'UNAUTHENTICATED');
    expectError(await app.gql(`{ ${Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ')} }`), 'QUERY_TOO_COMPLEX');
    const after = await scrape(app);
    const delta = (c: string) => (after.get(code(c)) ?? 0) - (before.get(code(c)) ?? 0);
    expect(delta('BAD_USER_INPUT')).toBe(2);
    expect(delta('UNAUTHENTICATED')).toBe(1);
    expect(delta('QUERY_TOO_COMPLEX')).toBe(1);
  });

  it('reports the database pool', async () => {
    const m = await scrape(app);
    expect(m.get('assay_db_pool_max_connections')).toBe(10);
    expect(m.get('assay_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('assay_db_pool_connections{state="idle"}')).toBeLessThanOrEqual(m.get('assay_db_pool_connections{state="total"}')!);
    expect(m.get('assay_db_pool_waiting_requests')).toBe(0);
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('wants the metrics token when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startTestApp({ ASSAY_METRICS_TOKEN: token });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await scrape(guarded, { authorization: `Bearer ${token}` })).has('assay_db_pool_max_connections')).toBe(true);
      const refused = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } });
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(await refused.json()).toEqual({
        error: 'Unauthorized',
        message: 'GET /metrics needs the metrics token: send Authorization: Bearer <token>',
      });
    } finally {
      await guarded.close();
    }
  });

  it('is not exposed in production without a token unless ASSAY_METRICS_PUBLIC=1; with the token it is', async () => {
    const secret = randomBytes(32).toString('base64url');
    const closed = await startTestApp({ NODE_ENV: 'production', ASSAY_SECRET: secret });
    const open = await startTestApp({ NODE_ENV: 'production', ASSAY_SECRET: secret, ASSAY_METRICS_PUBLIC: '1' });
    const token = 'production-metrics-token-0123';
    const guarded = await startTestApp({ NODE_ENV: 'production', ASSAY_SECRET: secret, ASSAY_METRICS_TOKEN: token });
    try {
      const refused = await fetch(`${closed.url}/metrics`);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { message: string }).message).toContain('ASSAY_METRICS_TOKEN');
      expect((await scrape(open)).has('assay_db_pool_max_connections')).toBe(true);
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await scrape(guarded, { authorization: `Bearer ${token}` })).has('assay_db_pool_max_connections')).toBe(true);
    } finally {
      await Promise.all([closed.close(), open.close(), guarded.close()]);
    }
  });
});
