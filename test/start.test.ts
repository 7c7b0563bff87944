import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { DEMO_KEYS_FILE } from '../src/demo/keys.js';
import { killServerProcesses, startServerProcess as start } from './support/server-process.js';

/** The demo keys every Assay printed before they were generated per data directory. */
const WELL_KNOWN_KEYS = [
  'ak_demo_admin_0000000000000000000000000000',
  'ak_demo_vendor_northwind_000000000000000000',
  'ak_demo_buyer_0000000000000000000000000000',
];

/** Data directories of this file, removed after its last test even when one failed (before its own cleanup). */
const dataDirs: string[] = [];

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-start-'));
  dataDirs.push(dir);
  // The embedded PostgreSQL runs as the postgres user when we are root; it must reach the directory.
  fs.chmodSync(dir, 0o755);
  return dir;
}

// Hooks run newest first: the servers are stopped before their directories go.
afterAll(() => {
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});
afterAll(killServerProcesses, 60_000);

describe('npm start', () => {
  it('starts on an embedded PostgreSQL with the demo catalog, keeps data across restarts and stops cleanly', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    const env = { PORT: String(port), ASSAY_DATA_DIR: dataDir, ASSAY_BOOTSTRAP_ADMIN_KEY: 'ak_bootstrap_admin_for_start_test_0001' };
    const first = start(env);
    // Another data directory, started meanwhile, gets keys of its own.
    const elsewhere = tempDataDir();
    const other = start({ PORT: String(await freePort()), ASSAY_DATA_DIR: elsewhere });
    await first.ready();
    // A second server on the same data directory explains itself instead of dumping PostgreSQL's log.
    const twin = start({ ...env, PORT: String(await freePort()) });
    expect(await twin.exited).toBe(1);
    expect(twin.err()).toMatch(/Another server is already using the data directory/);
    expect(first.out()).toContain(`http://localhost:${port}`);
    const keys = first.demoKeys();
    expect(first.out()).toContain('(seeded now)');
    expect(fs.statSync(path.join(dataDir, DEMO_KEYS_FILE)).mode & 0o777).toBe(0o600);
    expect(first.out()).toContain('LOCAL billing mode');

    const gql = async (query: string, key?: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as { data: any };
    };
    const catalog = await gql('{ datasets { totalCount } }');
    expect(catalog.data.datasets.totalCount).toBeGreaterThan(0);
    expect((await gql('{ viewer { platformRole } }', env.ASSAY_BOOTSTRAP_ADMIN_KEY)).data.viewer.platformRole).toBe('ADMIN');
    expect((await gql('{ viewer { organization { kind } } }', keys.vendor)).data.viewer.organization.kind).toBe('VENDOR');
    expect((await gql('{ viewer { platformRole } }', keys.admin)).data.viewer.platformRole).toBe('ADMIN');
    for (const known of WELL_KNOWN_KEYS) {
      const answer = (await gql('{ viewer { user { id } platformRole } }', known)) as {
        data: any;
        errors?: { extensions: { code: string } }[];
      };
      expect(answer.data?.viewer?.user ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
    await other.ready();
    const otherKeys = other.demoKeys();
    for (const role of ['admin', 'vendor', 'buyer'] as const) expect(otherKeys[role]).not.toBe(keys[role]);
    other.child.kill('SIGTERM');
    expect(await other.exited).toBe(0);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string };
    expect(health.status).toBe('ok');

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // Same data directory: nothing is seeded twice, the catalog is still there.
    const second = start(env);
    await second.ready();
    expect(second.out()).not.toContain('(seeded now)');
    expect(second.demoKeys()).toEqual(keys);
    expect((await gql('{ datasets { totalCount } }')).data.datasets.totalCount).toBe(catalog.data.datasets.totalCount);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }, 180_000);

  it('explains a busy port or an unusable data directory in one clear line, without a stack trace', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '0.0.0.0', r));
    const dataDir = tempDataDir();
    try {
      const busy = start({ PORT: String(port), ASSAY_DATA_DIR: dataDir });
      expect(await busy.exited).toBe(1);
      expect(busy.err()).toMatch(/Cannot listen on the configured port: it is already in use/);
      expect(busy.err()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
    const file = path.join(dataDir, 'not-a-directory');
    fs.writeFileSync(file, 'x');
    const badDir = start({ PORT: String(await freePort()), ASSAY_DATA_DIR: file });
    expect(await badDir.exited).toBe(1);
    expect(badDir.err()).toMatch(/ASSAY_DATA_DIR|data directory/);
    expect(badDir.err()).not.toMatch(/\n\s+at /);

    const badConfig = start({ PORT: 'eighty' });
    expect(await badConfig.exited).toBe(1);
    expect(badConfig.err()).toMatch(/Invalid configuration:\n\s+PORT/);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('has printed the URL and the demo keys by the time /healthz and /readyz first answer 200', async () => {
    const dataDir = tempDataDir();
    const port = await freePort();
    // Its output goes to a file: each write is there before the server goes on, unlike a pipe read by this process.
    const stdoutFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'assay-start-out-')), 'stdout.log');
    const server = start({ PORT: String(port), ASSAY_DATA_DIR: dataDir }, { stdoutFile });
    const seen = new Map<string, string>();
    const probe = async (route: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${route}`).catch(() => undefined);
      if (res?.status !== 200) return false;
      // Read at once, before anything else happens here: what the server had printed when it answered.
      seen.set(route, fs.readFileSync(stdoutFile, 'utf8'));
      return true;
    };
    const waiting = new Set(['/healthz', '/readyz']);
    for (const deadline = Date.now() + 150_000; waiting.size > 0 && Date.now() < deadline && server.child.exitCode === null;) {
      for (const route of [...waiting]) if (await probe(route)) waiting.delete(route);
    }
    expect([...waiting]).toEqual([]);
    for (const printed of seen.values()) {
      expect(printed).toContain(`Assay is running at http://localhost:${port}`);
      expect(printed).toMatch(/^ {2}buyer {3}ak_\S+$/m);
    }
    process.kill(-server.child.pid!, 'SIGTERM');
    expect(await server.exited).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(path.dirname(stdoutFile), { recursive: true, force: true });
  }, 180_000);

  it('also logs the startup banner as one JSON line, without the secrets it prints', async () => {
    const dataDir = tempDataDir();
    // No bootstrap key: an admin key is generated and printed once.
    const server = start({ PORT: String(await freePort()), ASSAY_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    await server.ready();
    const adminKey = /Platform admin API key \(shown once, store it now\): (ak_\S+)/.exec(server.out())?.[1];
    expect(adminKey).toBeDefined();
    await expect.poll(() => server.out().includes('"msg":"assay started"'), { timeout: 5000 }).toBe(true);
    const json = server
      .out()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const started = json.filter((line) => line.msg === 'assay started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      level: 30,
      url: expect.stringMatching(/^http:\/\/localhost:\d+$/),
      database: { kind: 'embedded', dataDir: server.databaseLocation() },
      billing: 'local',
      demoKeys: true,
      adminKeyPrinted: true,
      tracing: false,
    });
    const logged = json.map((line) => JSON.stringify(line)).join('\n');
    const demo = server.demoKeys();
    for (const secret of [adminKey!, demo.admin, demo.vendor, demo.buyer]) expect(logged).not.toContain(secret);
    process.kill(-server.child.pid!, 'SIGTERM');
    expect(await server.exited).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);
});
