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
    const m = /^([a-z_:][a-z0-9_:]*(?:\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})?) (-?[0-9.e+-]+|\+Inf|NaN|Nan)$/.exec(line);
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

    // The duration histogram is by route template, method and status too.
    const series = 'route="/graphql",method="POST",status="200"';
    const count = after.get(`assay_http_request_duration_seconds_count{${series}}`)!;
    expect(count - (before.get(`assay_http_request_duration_seconds_count{${series}}`) ?? 0)).toBe(3);
    expect(after.get(`assay_http_request_duration_seconds_bucket{le="+Inf",${series}}`)).toBe(count);
    expect(after.get(`assay_http_request_duration_seconds_bucket{le="30",${series}}`)).toBe(count);
    expect(after.get(`assay_http_request_duration_seconds_sum{${series}}`)).toBeGreaterThan(0);
    expect(after.get('assay_http_request_duration_seconds_count{route="unmatched",method="GET",status="404"}')).toBeGreaterThanOrEqual(1);
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
    // By state, summing to the open connections (no `total` state that would count them twice).
    expect(m.get('assay_db_pool_connections{state="idle"}')! + m.get('assay_db_pool_connections{state="in_use"}')!).toBe(
      app.database.pool.totalCount,
    );
    expect(m.has('assay_db_pool_connections{state="total"}')).toBe(false);
    expect(m.get('assay_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('assay_db_pool_waiting_requests')).toBe(0);
  });

  it("shows the process's standard Node metrics, with their conventional names, and they move", async () => {
    const before = await scrape(app);
    // Some work for the CPU and the garbage collector.
    for (let i = 0; i < 20; i++) ok(await app.gql(`{ datasets(first: 20) { totalCount } }`));
    const garbage: unknown[] = [];
    for (let i = 0; i < 200_000; i++) garbage.push({ i, s: String(i) });
    garbage.length = 0;
    const after = await scrape(app);
    expect(after.get('process_cpu_seconds_total')!).toBeGreaterThan(before.get('process_cpu_seconds_total')!);
    expect(after.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(after.get('process_start_time_seconds')).toBeGreaterThan(1_700_000_000);
    expect(after.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(after.has('nodejs_heap_used_bytes')).toBe(false);
    expect(after.get('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(after.get('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    const gcs = (m: Map<string, number>) =>
      [...m].filter(([k]) => k.startsWith('nodejs_gc_duration_seconds_count')).reduce((n, [, v]) => n + v, 0);
    // GC timings arrive through a PerformanceObserver, after the collection: keep making garbage until one is counted.
    await expect
      .poll(
        async () => {
          for (let i = 0; i < 200_000; i++) garbage.push({ i, s: String(i) });
          garbage.length = 0;
          return gcs(await scrape(app));
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(gcs(before));
    const [major, minor, patch] = process.versions.node.split('.');
    expect(after.get(`nodejs_version_info{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"}`)).toBe(1);
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
