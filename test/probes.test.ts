import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestDatabase, startTestApp, type TestApp } from './support/app.js';
import { startServerProcess } from './support/app-process.js';

let app: TestApp;
let admin: pg.Client;
let databaseName: string;
beforeAll(async () => {
  app = await startTestApp();
  databaseName = new URL(app.databaseUrl).pathname.slice(1);
  admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
});
afterAll(async () => {
  await admin?.query(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS true`).catch(() => undefined);
  await admin?.end();
  await app?.close();
});

const get = async (target: TestApp, path: string) => {
  const res = await fetch(`${target.url}${path}`);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
};

/** Polls `check` until it holds or the deadline passes. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('GET /livez and /readyz', () => {
  it('answer 200 in JSON on a healthy, migrated server', async () => {
    const live = await get(app, '/livez');
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toMatch(/^application\/json/);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await get(app, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', draining: false, database: { ok: true }, migrations: { ok: true } });
    expect(ready.body.migrations.expected).toMatch(/^\d{4}_/);
  });

  it('with the database unreachable: livez still 200, readyz 503 within its bound, and ready again once it is back', async () => {
    // No new connections, and the server's open ones are cut: the database is gone as far as the server can tell.
    await admin.query(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [databaseName]);
    try {
      expect((await get(app, '/livez')).status).toBe(200);
      const started = Date.now();
      const ready = await get(app, '/readyz');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', draining: false, database: { ok: false } });
      // The contract's /healthz keeps its meaning.
      expect((await get(app, '/healthz')).status).toBe(503);
    } finally {
      await admin.query(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS true`);
    }
    await eventually(async () => (await get(app, '/readyz')).status === 200);
  });

  it('readyz answers 503 while this build’s newest migration is not applied', async () => {
    const db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(
        'DELETE FROM drizzle.__drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM drizzle.__drizzle_migrations) RETURNING *',
      );
      try {
        const ready = await get(app, '/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({ status: 'unavailable', database: { ok: true }, migrations: { ok: false } });
        expect((await get(app, '/livez')).status).toBe(200);
      } finally {
        await db.query('INSERT INTO drizzle.__drizzle_migrations (id, hash, created_at) VALUES ($1, $2, $3)', [
          rows[0].id,
          rows[0].hash,
          rows[0].created_at,
        ]);
      }
      expect((await get(app, '/readyz')).status).toBe(200);
    } finally {
      await db.end();
    }
  });

  it('go through the rate limiter like the other routes', async () => {
    const limited = await startTestApp({ ASSAY_RATE_LIMIT_PER_MINUTE: '1', ASSAY_RATE_LIMIT_BURST: '2' });
    try {
      const first = await get(limited, '/livez');
      expect(first.headers.get('ratelimit-limit')).toBe('2');
      expect((await get(limited, '/readyz')).status).toBe(200);
      const refused = await get(limited, '/readyz');
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await get(limited, '/livez')).status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('readyz answers 503 at once when shutdown begins, while the server keeps serving through the drain delay', async () => {
    const server = await startServerProcess(await createTestDatabase(), { ASSAY_DRAIN_DELAY_MS: '4000' });
    try {
      const readyz = async () => (await fetch(`${server.url}/readyz`)).status;
      expect(await readyz()).toBe(200);
      server.child.kill('SIGTERM');
      await eventually(async () => (await readyz()) === 503, 1000);
      const draining = await fetch(`${server.url}/readyz`);
      expect(await draining.json()).toEqual({ status: 'draining', draining: true });
      // Not dead: liveness and the API still answer until the delay is over.
      expect((await fetch(`${server.url}/livez`)).status).toBe(200);
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(res.status).toBe(200);
      expect(await server.exited).toBe(0);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  }, 60_000);
});
