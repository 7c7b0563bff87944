import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS_FILE, freePort } from '../src/db/embedded.js';
import { isProcessAlive } from '../src/db/embedded/postmaster.js';
import { ADMIN_KEY, apiClient, type ApiClient } from './support/app.js';
import { TestCluster, continueProcesses, stopProcessTree } from './support/cluster.js';
import { OPEN_TERMS, dataFile, ok, publishDataset, signUp } from './support/fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** What the server is told, and so what the bounds below follow from (README "Failure behaviour"). */
const SETTINGS = {
  ASSAY_DB_CONNECT_TIMEOUT_MS: '1000',
  ASSAY_STATEMENT_TIMEOUT_MS: '1500', // client-side query timeout: 2500
  ASSAY_REQUEST_TIMEOUT_MS: '4000',
  ASSAY_USAGE_RETRY_MAX_MS: '500',
  ASSAY_SHUTDOWN_TIMEOUT_MS: '1500',
  ASSAY_METERING_INTERVAL_MS: '200',
};
/** The longest any answer may take: the request deadline (GraphQL) or the connect + query timeouts (downloads), plus slack for a loaded machine. */
const ANSWER_BOUND_MS = 4000 + 3000;
const HEALTH_BOUND_MS = 2000;
/** Every server process of this file shares the database, so also the secret that seals its signing keys. */
const SECRET = randomBytes(32).toString('base64url');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

interface ServerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

/**
 * `src/main.ts` as `npm start` runs it (Node with tsx's loader, so a signal reaches the server itself), with `env`
 * (DATABASE_URL, or none for the embedded PostgreSQL; ASSAY_DATA_DIR). It leads a process group of its own, so the
 * cleanup can signal the whole job.
 */
async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      ASSAY_SECRET: SECRET,
      ASSAY_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      ASSAY_DEMO: '0',
      ASSAY_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
      ...SETTINGS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const server = { child, url: `http://127.0.0.1:${port}`, exited, output: () => output };
  servers.push(server);
  await until(
    () => {
      if (child.exitCode !== null) throw new Error(`server exited early: ${output}`);
      return output.includes('Assay is running');
    },
    // The embedded PostgreSQL is initialised first (initdb, durable) on a loaded machine.
    120_000,
    'the server to start',
  );
  return server;
}

/** SIGTERM to a server's process group (it stops its embedded PostgreSQL itself), SIGKILL if it is not gone in 20 s. */
async function stopServerGroup(server: ServerProcess): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-server.child.pid!, name);
    } catch {
      // The group is gone.
    }
  };
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 20_000);
  await server.exited;
  clearTimeout(timer);
}

/** A buyer holding a valid access token for one published file, made through the API. */
async function purchaseFile(api: ApiClient, file: Buffer) {
  const [vendor, buyer] = await Promise.all([signUp(api, 'VENDOR'), signUp(api, 'BUYER')]);
  const { datasetId, versionId } = await publishDataset(api, vendor, {}, { files: [dataFile('data/part-0.bin', file, 100)] });
  const offerId = ok(
    await api.gql(
      `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }`,
      { input: { datasetId, name: 'Free', pricingModel: 'FREE', terms: OPEN_TERMS } },
      vendor.key,
    ),
  ).createOffer.offer.id;
  const licenseId = ok(
    await api.gql(
      `mutation($input: PurchaseLicenseInput!) { purchaseLicense(input: $input) { license { id } } }`,
      { input: { offerId, idempotencyKey: `chaos-${randomBytes(4).toString('hex')}` } },
      buyer.key,
    ),
  ).purchaseLicense.license.id;
  const token = ok(
    await api.gql(
      `mutation($input: IssueAccessTokenInput!) { issueAccessToken(input: $input) { token } }`,
      { input: { licenseId } },
      buyer.key,
    ),
  ).issueAccessToken.token as string;
  return { buyer, versionId, token, path: `/data/${versionId}/data/part-0.bin` };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(HEALTH_BOUND_MS) })).text();
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${name} `))
      ?.split(' ')[1],
  );
}

async function health(url: string): Promise<number> {
  return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(HEALTH_BOUND_MS) })).status;
}

let cluster: TestCluster;
const dataDirs: string[] = [];
const servers: ServerProcess[] = [];
/** Run after every server has stopped: thaws and removes what a database under test may have left behind. */
const leftovers: (() => void)[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-chaos-'));
  dataDirs.push(dir);
  return dir;
}

beforeAll(async () => {
  cluster = await TestCluster.create();
}, 120_000);

afterAll(async () => {
  cluster?.thaw();
  for (const leftover of leftovers) leftover();
  await Promise.all(servers.map(stopServerGroup));
  for (const leftover of leftovers) leftover();
  await cluster?.destroy();
  for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
}, 60_000);

/** The PostgreSQL a chaos run breaks, and who brings it back. */
interface DatabaseUnderTest {
  /** A server process on this database; a later call starts one on the same data. */
  startServer(): Promise<ServerProcess>;
  /** SIGKILL to the postmaster; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGSTOP to the postmaster and every backend, as in a partition. */
  freeze(): void;
  thaw(): void;
  /**
   * After `kill`: with DATABASE_URL the operator brings PostgreSQL back (here, the test, on the same port, as a
   * managed failover keeps the URL); the embedded one the server restarts itself, so this only waits for that.
   */
  restartPostgres(): Promise<void>;
  /** One query on the application database, with a connection of its own. */
  query<T extends pg.QueryResultRow>(text: string): Promise<T[]>;
}

/** A TestCluster of the test's own, the server on its DATABASE_URL (each server a data directory of its own). */
function externalDatabase(): DatabaseUnderTest {
  return {
    startServer: () => startServer({ DATABASE_URL: cluster.url, ASSAY_DATA_DIR: tempDir() }),
    kill: () => cluster.kill(),
    freeze: () => cluster.freeze(),
    thaw: () => cluster.thaw(),
    restartPostgres: () => cluster.start(),
    query: (text) => cluster.query(text),
  };
}

/**
 * The server's own embedded PostgreSQL on a temporary ASSAY_DATA_DIR: its postmaster found from `postmaster.pid`
 * (PID on line 1, port on line 4, status on line 8) in the directory the banner names, reached with the
 * credentials file the server keeps.
 */
function embeddedDatabase(): DatabaseUnderTest {
  const dataDir = tempDir();
  let location: string | undefined;
  let killed: number | undefined;
  let frozen: number[] = [];
  /** What `postmaster.pid` says, or nothing while there is none (a restart removes a stale one before starting). */
  const readPidFile = () => {
    let text: string;
    try {
      text = fs.readFileSync(path.join(location!, 'postmaster.pid'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const lines = text.split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]), status: lines[7]?.trim() };
  };
  const postmaster = () => {
    const found = readPidFile();
    if (!found) throw new Error(`no postmaster.pid in ${location}`);
    return found;
  };
  const db: DatabaseUnderTest = {
    async startServer() {
      const server = await startServer({ ASSAY_DATA_DIR: dataDir });
      location = /^Database: embedded PostgreSQL, data in (\S+)$/m.exec(server.output())?.[1];
      if (!location) throw new Error(`no embedded PostgreSQL in the banner: ${server.output()}`);
      // As root, a data directory the postgres user cannot reach gets its cluster elsewhere.
      if (!location.startsWith(dataDir + path.sep)) dataDirs.push(location);
      return server;
    },
    async kill() {
      const pid = postmaster().pid;
      killed = pid;
      process.kill(pid, 'SIGKILL');
      await until(() => !isProcessAlive(pid), 5000, 'the postmaster to die');
    },
    freeze() {
      frozen = stopProcessTree(postmaster().pid);
    },
    thaw() {
      continueProcesses(frozen);
      frozen = [];
    },
    restartPostgres: () =>
      until(
        () => {
          const found = readPidFile();
          return found !== undefined && found.pid !== killed && isProcessAlive(found.pid) && found.status === 'ready';
        },
        30_000,
        'the server to restart its PostgreSQL',
      ),
    async query<T extends pg.QueryResultRow>(text: string) {
      const { app } = JSON.parse(fs.readFileSync(path.join(dataDir, CREDENTIALS_FILE), 'utf8')) as {
        app: { user: string; password: string };
      };
      const client = new pg.Client({ host: '127.0.0.1', port: postmaster().port, database: 'assay', ...app });
      await client.connect();
      try {
        return (await client.query<T>(text)).rows;
      } finally {
        await client.end();
      }
    },
  };
  leftovers.push(() => {
    db.thaw();
    // A server that had to be SIGKILLed leaves its PostgreSQL (a process group of its own) running.
    try {
      if (location) process.kill(postmaster().pid, 'SIGKILL');
    } catch {
      // Stopped with its server, as it should be.
    }
  });
  return db;
}

/**
 * The chaos run, the same for every database under test: downloads and GraphQL reads run while PostgreSQL is
 * SIGKILLed three times and frozen once; then the counts are checked on a fresh server process.
 */
async function chaosScenario(db: DatabaseUnderTest): Promise<void> {
  const server = await db.startServer();
  const api = apiClient(server.url);
  const file = randomBytes(16 * 1024);
  const { buyer, token, path: filePath } = await purchaseFile(api, file);

  // The load: downloads and GraphQL reads in parallel, every answer checked and timed.
  const tally = { served: 0, unavailable: 0, graphqlOk: 0, answers: 0 };
  const wrong: string[] = [];
  let running = true;
  const check = async (what: string, send: () => Promise<Response>, accept: (res: Response) => Promise<boolean>) => {
    const started = performance.now();
    try {
      const res = await send();
      const fine = await accept(res);
      const ms = performance.now() - started;
      tally.answers++;
      if (!fine) wrong.push(`${what}: ${res.status}`);
      if (ms > ANSWER_BOUND_MS) wrong.push(`${what}: answered after ${Math.round(ms)} ms`);
    } catch (err) {
      wrong.push(`${what}: no answer within ${ANSWER_BOUND_MS} ms (${String(err)})`);
    }
  };
  const unavailable = (res: Response) => res.status === 503 && res.headers.get('retry-after') !== null;
  const downloader = async () => {
    while (running) {
      await check(
        'download',
        () =>
          fetch(`${server.url}${filePath}`, {
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(ANSWER_BOUND_MS),
          }),
        async (res) => {
          if (res.status === 200) {
            const body = Buffer.from(await res.arrayBuffer());
            if (!body.equals(file)) return false;
            tally.served++;
            return true;
          }
          const json = (await res.json()) as { code?: string };
          if (unavailable(res) && json.code === 'SERVICE_UNAVAILABLE') return !!++tally.unavailable;
          return false;
        },
      );
    }
  };
  const querier = async (query: string, key?: string) => {
    while (running) {
      await check(
        `graphql ${query}`,
        () =>
          fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
            body: JSON.stringify({ query }),
            signal: AbortSignal.timeout(ANSWER_BOUND_MS),
          }),
        async (res) => {
          const body = (await res.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] };
          if (res.status === 200 && !body.errors) return !!++tally.graphqlOk;
          // Never a 500, never UNAUTHENTICATED for a good key: 503 with Retry-After is what clients act on.
          if (unavailable(res) && body.errors?.every((e) => e.extensions.code === 'INTERNAL_SERVER_ERROR')) return !!++tally.unavailable;
          return false;
        },
      );
    }
  };
  // Health is probed all along: every probe must answer within 2 s.
  const probes: { at: number; status: number }[] = [];
  const prober = async () => {
    while (running) {
      try {
        probes.push({ at: Date.now(), status: await health(server.url) });
      } catch (err) {
        wrong.push(`healthz: no answer within ${HEALTH_BOUND_MS} ms (${String(err)})`);
      }
      await sleep(100);
    }
  };
  const load = Promise.all([
    downloader(),
    downloader(),
    downloader(),
    querier(`{ viewer { user { id } } }`, buyer.key),
    querier(`{ datasets(first: 5) { totalCount nodes { id title } } }`),
    prober(),
  ]);

  /** Health said `status` within `ms` of `since`. */
  const healthSays = (status: number, since: number, ms: number, what: string) =>
    until(() => probes.some((p) => p.at >= since && p.status === status), ms, `healthz to answer ${status} ${what}`);
  /** The load got `n` more answers (so clients were answered, not left hanging, during the fault). */
  const answered = async (n: number, what: string) => {
    const target = tally.answers + n;
    await until(() => tally.answers >= target, ANSWER_BOUND_MS * 2, `${n} answers ${what}`);
  };
  const resumed = async (what: string) => {
    const since = Date.now();
    await healthSays(200, since, 15_000, `after ${what}`);
    const served = tally.served;
    await until(() => tally.served > served, 15_000, `a download to be served after ${what}`);
  };

  try {
    await until(() => tally.served >= 20 && tally.graphqlOk >= 10, 30_000, 'the load to get going');
    const outages = [];
    for (let round = 1; round <= 3; round++) {
      const at = Date.now();
      await db.kill();
      outages.push(`kill ${round}`);
      await healthSays(503, at, HEALTH_BOUND_MS + 500, `after SIGKILL ${round}`);
      await answered(10, `while PostgreSQL is dead (${round})`);
      expect(server.child.exitCode).toBeNull();
      await db.restartPostgres();
      await resumed(`SIGKILL ${round}`);
    }
    const frozenAt = Date.now();
    db.freeze();
    outages.push('freeze');
    try {
      await healthSays(503, frozenAt, HEALTH_BOUND_MS + 500, 'while PostgreSQL is frozen');
      await answered(10, 'while PostgreSQL is frozen');
      expect(server.child.exitCode).toBeNull();
    } finally {
      db.thaw();
    }
    await resumed('SIGCONT');
    await until(() => tally.served >= 20 + outages.length, 10_000, 'more downloads');
  } finally {
    running = false;
    await load;
  }

  expect(wrong.slice(0, 20)).toEqual([]);
  expect(server.child.exitCode).toBeNull();
  expect(tally.unavailable).toBeGreaterThan(0);
  // Everything buffered during the outages reaches the database once it is back.
  await until(async () => (await metric(server.url, 'assay_usage_buffered')) === 0, 15_000, 'buffered usage to be written');

  // Ctrl-C (SIGTERM here) with the database up: clean exit, nothing left behind.
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);

  // On a fresh server process (the embedded PostgreSQL stops with its server): nothing lost or doubled, and the
  // chain still verifies.
  const again = await db.startServer();
  const [usage] = await db.query<{ n: number; distinct: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM usage_events',
  );
  expect(usage).toEqual({ n: tally.served, distinct: tally.served });
  const [audits] = await db.query<{ n: number; distinct: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT details->>'usageEventId')::int AS distinct FROM audit_events WHERE action = 'download.served'`,
  );
  expect(audits).toEqual({ n: tally.served, distinct: tally.served });
  expect(ok(await apiClient(again.url).gql(`{ verifyAuditLog { ok checked } }`, {}, ADMIN_KEY)).verifyAuditLog.ok).toBe(true);
  again.child.kill('SIGTERM');
  expect(await again.exited).toBe(0);

  // One log line per outage for the usage writer, not one per retry; and nothing unhandled.
  const outageLines = server
    .output()
    .split('\n')
    .filter((l) => l.includes('writing usage events failed')).length;
  expect(outageLines).toBeLessThanOrEqual(4);
  expect(server.output()).not.toMatch(/Unhandled 'error' event|uncaughtException/);
}

const OUTCOME =
  'the server never dies, health tells the truth within 2 s, every request is answered in bounds, service resumes, and no usage or audit event is lost or doubled';

describe('chaos: PostgreSQL killed and frozen under load', () => {
  it(`on DATABASE_URL (the operator restarts PostgreSQL): ${OUTCOME}`, () => chaosScenario(externalDatabase()), 240_000);
  it(`on the embedded PostgreSQL (the server restarts it itself): ${OUTCOME}`, () => chaosScenario(embeddedDatabase()), 300_000);
});

describe('shutdown', () => {
  it('with the database frozen, exits non-zero at the deadline and says how much usage it could not write', async () => {
    const server = await externalDatabase().startServer();
    const api = apiClient(server.url);
    const { token, path: filePath } = await purchaseFile(api, randomBytes(1024));
    const download = () => fetch(`${server.url}${filePath}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await download()).status).toBe(200);
    cluster.freeze();
    try {
      // The gate trusts the state it read up to a second ago, so downloads right now are still served (the rest are
      // refused with 503 once the connect or query timeout runs out); the usage of those served cannot be written.
      const statuses = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await download();
          await res.arrayBuffer();
          return res.status;
        }),
      );
      const served = statuses.filter((s) => s === 200).length;
      expect(served).toBeGreaterThan(0);
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      await until(async () => (await metric(server.url, 'assay_usage_buffered')) >= served, 5000, 'the served downloads to be buffered');
      const buffered = await metric(server.url, 'assay_usage_buffered');
      const started = Date.now();
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(1);
      // ASSAY_SHUTDOWN_TIMEOUT_MS (1.5 s) for the usage, at most 2 s more for the rest.
      expect(Date.now() - started).toBeLessThan(1500 + 2000 + 1500);
      expect(server.output()).toContain(`shutdown deadline passed: ${buffered} usage events and 0 denials were not written`);
    } finally {
      cluster.thaw();
    }
  }, 120_000);
});
