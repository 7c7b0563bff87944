import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { packagedPostgres, reachableCopy } from '../src/db/embedded/binaries.js';
import { isRoot, postgresSystemUser } from '../src/db/embedded/system-user.js';
import { CREDENTIALS_FILE, freePort, RELOCATED_CLUSTERS_DIR } from '../src/db/embedded.js';
import { killServerProcesses, startServerProcess } from './support/server-process.js';

afterAll(killServerProcesses, 60_000);

/** What PostgreSQL's lock file says: the postmaster's PID (line 1) and port (line 4). */
function postmasterPid(location: string): { pid: number; port: number } | undefined {
  try {
    const lines = fs.readFileSync(path.join(location, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]) };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('the embedded PostgreSQL', () => {
  it('lives where its user can reach it, has passwords of its own and a non-superuser app role, and comes back when killed', async () => {
    // A data directory below a closed (0700) directory, as a checkout in /root is.
    const closed = fs.mkdtempSync(path.join(os.homedir(), 'assay-closed-'));
    fs.chmodSync(closed, 0o700);
    const dataDir = path.join(closed, '.assay');
    const port = await freePort();
    const server = startServerProcess({ PORT: String(port), ASSAY_DATA_DIR: dataDir, ASSAY_METERING_INTERVAL_MS: '0' });
    let location: string | undefined;
    try {
      await server.ready();
      location = server.databaseLocation();
      // As root, PostgreSQL runs as the postgres user, who cannot enter `closed`: its data is placed beside the cache.
      if (isRoot()) expect(path.dirname(location)).toBe(RELOCATED_CLUSTERS_DIR);
      else expect(location).toBe(path.join(dataDir, 'pg'));
      expect(mode(location)).toBe(0o700);

      // Nothing we keep is readable by others.
      const credentialsFile = path.join(dataDir, CREDENTIALS_FILE);
      expect(mode(credentialsFile)).toBe(0o600);
      expect(mode(dataDir) & 0o044).toBe(0);
      expect(mode(path.join(dataDir, 'files')) & 0o077).toBe(0);
      const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as Record<
        'app' | 'superuser',
        { user: string; password: string }
      >;
      const pgPort = postmasterPid(location)!.port;
      const url = (who: { user: string; password: string }, db = 'assay') =>
        `postgres://${who.user}:${encodeURIComponent(who.password)}@127.0.0.1:${pgPort}/${db}`;

      // The well-known password of old opens nothing.
      await expect(sql(`postgres://assay:assay@127.0.0.1:${pgPort}/assay`, 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
      await expect(sql(`postgres://postgres:assay@127.0.0.1:${pgPort}/postgres`, 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
      // The app's role is no superuser, yet owns its database and what migrations made in it.
      const [app] = await sql<{ rolsuper: boolean; owner: string; tableOwner: string; listen: string }>(
        url(credentials.app),
        `SELECT r.rolsuper, pg_get_userbyid(d.datdba) AS owner, (SELECT tableowner FROM pg_tables WHERE tablename = 'datasets') AS "tableOwner",
                current_setting('listen_addresses') AS listen
           FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
      );
      expect(app).toEqual({ rolsuper: false, owner: credentials.app.user, tableOwner: credentials.app.user, listen: '127.0.0.1' });
      expect(
        (
          await sql<{ rolsuper: boolean }>(
            url(credentials.superuser, 'postgres'),
            'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
          )
        )[0]!.rolsuper,
      ).toBe(true);

      const health = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return { status: res.status, body: (await res.json()) as { database: { state?: string } } };
      };
      const datasets = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ datasets { totalCount } }' }),
        });
        return ((await res.json()) as { data?: { datasets: { totalCount: number } } }).data?.datasets.totalCount;
      };
      const catalogSize = await datasets();
      expect(catalogSize).toBeGreaterThan(0);

      for (let round = 0; round < 3; round++) {
        const { pid } = postmasterPid(location)!;
        process.kill(pid, 'SIGKILL');
        const killedAt = Date.now();
        const downStates = new Set<string | undefined>();
        await waitFor('a healthy server on a new postmaster', async () => {
          const h = await health();
          if (h.status !== 200) downStates.add(h.body.database.state);
          const now = postmasterPid(location!);
          return h.status === 200 && now && now.pid !== pid && alive(now.pid) ? true : undefined;
        });
        expect(Date.now() - killedAt).toBeLessThan(10_000);
        // While it was down, health said what the embedded database was doing (a pooled connection to the old
        // server may still fail a moment after the new one runs).
        for (const state of downStates) expect(['restarting', 'running']).toContain(state);
        expect(await waitFor('GraphQL', datasets)).toBe(catalogSize);
        expect(server.child.exitCode).toBeNull();
        expect(postmasterPid(location)!.port).toBe(pgPort);
      }

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await killServerProcesses();
      fs.rmSync(closed, { recursive: true, force: true });
      if (location && isRoot()) fs.rmSync(location, { recursive: true, force: true });
    }
  }, 180_000);

  it('is not in the server’s process group: Ctrl-C reaches only the server, which then stops PostgreSQL cleanly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-ctrl-c-'));
    // The postgres user (as root) reaches its cluster inside it.
    fs.chmodSync(dataDir, 0o711);
    try {
      // As a terminal runs a foreground job: in a process group of its own, which Ctrl-C signals as a whole.
      const server = startServerProcess({ PORT: String(await freePort()), ASSAY_DATA_DIR: dataDir });
      await server.ready();
      const location = server.databaseLocation();
      const { pid } = postmasterPid(location)!;
      const groupOf = (p: number) => Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(p)], { encoding: 'utf8' }).trim());
      expect(groupOf(pid)).not.toBe(server.child.pid);

      process.kill(-server.child.pid!, 'SIGINT');
      const code = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
      expect(code).toBe(0);
      expect(alive(pid)).toBe(false);
      expect(fs.existsSync(path.join(location, 'postmaster.pid'))).toBe(false);
      // pg_control's state (after system identifier, control version and catalog version) is DB_SHUTDOWNED (1):
      // a clean shutdown, so the next start needs no crash recovery.
      expect(fs.readFileSync(path.join(location, 'global', 'pg_control')).readInt32LE(16)).toBe(1);

      // A server killed outright leaves its PostgreSQL running (nothing signals that group); the next start stops it.
      const env = { PORT: String(await freePort()), ASSAY_DATA_DIR: dataDir };
      const killed = startServerProcess(env);
      await killed.ready();
      const leftover = postmasterPid(location)!.pid;
      process.kill(-killed.child.pid!, 'SIGKILL');
      await killed.exited;
      expect(alive(leftover)).toBe(true);
      const next = startServerProcess(env);
      await next.ready();
      expect(alive(leftover)).toBe(false);
      expect(postmasterPid(location)!.pid).not.toBe(leftover);
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
    } finally {
      await killServerProcesses();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it.runIf(isRoot())(
    'copies the binaries once where the postgres user can run them, and repairs a damaged copy',
    async () => {
      const user = await postgresSystemUser();
      const { nativeDir } = await packagedPostgres();
      // The npm package inside a closed directory, as node_modules is in /root/assay.
      const closed = fs.mkdtempSync(path.join(os.homedir(), 'assay-closed-bin-'));
      const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bin-cache-'));
      fs.chmodSync(cache, 0o755);
      try {
        const packaged = path.join(closed, 'native');
        fs.cpSync(nativeDir, packaged, { recursive: true, verbatimSymlinks: true });
        const runsAsPostgres = (dir: string) =>
          execFileSync(path.join(dir, 'bin', 'postgres'), ['--version'], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
        expect(() => runsAsPostgres(packaged)).toThrow();

        const copy = reachableCopy(packaged, 'postgresql-test', user, cache);
        expect(path.dirname(copy)).toBe(cache);
        expect(runsAsPostgres(copy)).toMatch(/^postgres \(PostgreSQL\) \d+/);
        const binary = path.join(copy, 'bin', 'initdb');
        const { mtimeMs } = fs.statSync(binary);
        expect(reachableCopy(packaged, 'postgresql-test', user, cache)).toBe(copy);
        expect(fs.statSync(binary).mtimeMs).toBe(mtimeMs);

        fs.appendFileSync(binary, 'tampered');
        expect(reachableCopy(packaged, 'postgresql-test', user, cache)).toBe(copy);
        expect(fs.readFileSync(binary).equals(fs.readFileSync(path.join(packaged, 'bin', 'initdb')))).toBe(true);
      } finally {
        fs.rmSync(closed, { recursive: true, force: true });
        fs.rmSync(cache, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
