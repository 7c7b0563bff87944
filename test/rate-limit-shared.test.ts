import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startTestApp, type TestApp } from './support/app.js';

// Burst 3, refilled over 30 s: no window ends in the middle of a test, however slow the machine.
const LIMITS = { ASSAY_RATE_LIMIT_PER_MINUTE: '6', ASSAY_RATE_LIMIT_BURST: '3' };
const apps: TestApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

async function start(databaseUrl: string, store: 'memory' | 'postgres'): Promise<TestApp> {
  const app = await startTestApp({ ...LIMITS, ASSAY_RATE_LIMIT_STORE: store }, { databaseUrl });
  apps.push(app);
  return app;
}

/** An anonymous GraphQL request and a plain route's request; status, rate-limit headers and body. */
async function call(app: TestApp, route: '/graphql' | '/healthz' = '/graphql') {
  const started = performance.now();
  const res =
    route === '/graphql'
      ? await fetch(`${app.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ viewer { user { id } } }' }),
        })
      : await fetch(`${app.url}${route}`);
  const headers = Object.fromEntries(
    ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'].map((h) => [h, res.headers.get(h)]),
  );
  return { status: res.status, headers, body: (await res.json()) as Record<string, any>, ms: performance.now() - started };
}

/** The answer with its seconds (which depend on the moment and the algorithm) replaced, to compare shapes. */
const shape = ({ ms: _ms, ...answer }: Awaited<ReturnType<typeof call>>) =>
  JSON.parse(
    JSON.stringify(answer)
      .replace(/retry in \d+ s/g, 'retry in N s')
      .replace(/"(retryAfter|retry-after|ratelimit-reset)":"?\d+"?/g, '"$1":"N"'),
  ) as unknown;

describe('ASSAY_RATE_LIMIT_STORE=postgres', () => {
  it('shares each client’s budget between server processes on one database, answering as the memory store does', async () => {
    const databaseUrl = await createTestDatabase();
    const [one, two] = [await start(databaseUrl, 'postgres'), await start(databaseUrl, 'postgres')];
    const seen = [await call(one), await call(two), await call(one)];
    expect(seen.map((s) => [s.status, s.headers['ratelimit-limit'], s.headers['ratelimit-remaining']])).toEqual([
      [200, '3', '2'],
      [200, '3', '1'],
      [200, '3', '0'],
    ]);
    // Three requests spent the client's burst: both processes refuse the fourth (per-process buckets would allow 6).
    const refusedByTwo = await call(two);
    const refusedByOne = await call(one);
    for (const refused of [refusedByOne, refusedByTwo]) {
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30);
      expect(refused.body.errors[0].message).toBe(`Too many requests; retry in ${refused.headers['retry-after']} s`);
    }
    const plainRefusal = await call(one, '/healthz');

    // The same client against a process with the default store, on the same database: its own budget, the same answers.
    const memory = await start(databaseUrl, 'memory');
    const memorySeen = [await call(memory), await call(memory), await call(memory)];
    expect(memorySeen.map((s) => s.headers['ratelimit-remaining'])).toEqual(['2', '1', '0']);
    expect(shape(await call(memory))).toEqual(shape(refusedByOne));
    expect(shape(await call(memory, '/healthz'))).toEqual(shape(plainRefusal));
    expect(shape(memorySeen[0]!)).toEqual(shape(seen[0]!));
  }, 60_000);

  it('keeps limiting, per process, when the database does not answer, without holding requests up', async () => {
    const databaseUrl = await createTestDatabase();
    const app = await start(databaseUrl, 'postgres');
    expect((await call(app, '/healthz')).status).toBe(200);
    // A transaction holding the counters' table: every statement on it waits, as in a stalled database.
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE rate_limit_buckets IN ACCESS EXCLUSIVE MODE');
      const answers = [await call(app), await call(app), await call(app), await call(app)];
      // The in-memory insurance answers after the store's 500 ms: a fresh budget of 3 for this process.
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      for (const a of answers) expect(a.ms).toBeLessThan(3000);
      expect(answers[3]!.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  }, 60_000);
});
