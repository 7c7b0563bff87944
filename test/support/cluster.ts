import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { postgresBinDir } from '../../src/db/embedded/binaries.js';
import { isRoot, postgresSystemUser } from '../../src/db/embedded/system-user.js';
import { migrateDatabase } from '../../src/db/migrate.js';

/**
 * A PostgreSQL cluster of a test's own (never the shared one other test files use), which the test can break the
 * ways production does: kill its postmaster with SIGKILL, freeze every process with SIGSTOP (a partition), stop it
 * and start it again on the same port (what a managed failover looks like to a client of its URL).
 * @example const cluster = await TestCluster.create(); ... cluster.kill(); await cluster.start(); ... await cluster.destroy();
 */
export class TestCluster {
  private process: ChildProcess | undefined;
  private frozen: number[] = [];

  private constructor(
    private readonly root: string,
    private readonly dataDir: string,
    readonly port: number,
    private readonly adminUrl: string,
    /** The migrated application database. */
    readonly url: string,
  ) {}

  /** Initialises a throwaway cluster (fsync off), migrates its `assay` database and starts it under our control. */
  static async create(): Promise<TestCluster> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-cluster-'));
    // As root the server runs as the postgres user, which must reach the data directory.
    fs.chmodSync(root, 0o755);
    let cluster: TestCluster | undefined;
    try {
      // Initialised (random passwords, the application role) the way the server's embedded database is, then run here.
      const initial = await startEmbeddedPostgres(root, 'assay', { durable: false });
      const url = initial.url;
      const adminUrl = initial.adminUrl('postgres');
      await initial.stop();
      cluster = new TestCluster(root, initial.location, Number(new URL(url).port), adminUrl, url);
      await cluster.start();
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        await migrateDatabase(pool);
      } finally {
        await pool.end();
      }
      return cluster;
    } catch (err) {
      // A cluster that did not come up is not the caller's to destroy: its directory goes here.
      if (cluster) await cluster.destroy().catch(() => undefined);
      else fs.rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }

  /** The postmaster's process ID while it runs. */
  get pid(): number | undefined {
    return this.process && running(this.process) ? this.process.pid : undefined;
  }

  /**
   * Starts the server on the same port and data directory. Right after a SIGKILL the old backends may still hold
   * the shared memory for a moment, so a refused start is retried until `timeoutMs`.
   */
  async start(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const log: string[] = [];
      try {
        await this.startOnce(log);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`PostgreSQL did not start: ${String(err)}\n${log.join('')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async startOnce(log: string[]): Promise<void> {
    const runAs = isRoot() ? await postgresSystemUser() : undefined;
    const child = spawn(
      path.join(await postgresBinDir(runAs), 'postgres'),
      [
        ...['-D', this.dataDir, '-p', String(this.port)],
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
        // fsync off is safe against a killed process (the kernel keeps what was written); commits stay synchronous, so a
        // commit the server was told of survives a SIGKILL of the postmaster.
        ...['-c', 'fsync=off'],
      ],
      { ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        log.push(chunk.toString());
        if (chunk.toString().includes('ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`postgres exited with ${code}`)));
    });
    child.stderr!.removeAllListeners('data');
    child.stderr!.resume();
    this.process = child;
  }

  /** SIGKILL to the postmaster, as an OOM killer or `kill -9` would; its backends die soon after on their own. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || !running(child)) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP to the postmaster and every backend: connections stay open and nothing answers, as in a partition. */
  freeze(): void {
    const root = this.pid;
    if (!root) throw new Error('not running');
    this.frozen = stopProcessTree(root);
  }

  thaw(): void {
    continueProcesses(this.frozen);
    this.frozen = [];
  }

  /** A clean (fast) shutdown: backends are told 57P01 "terminating connection due to administrator command". */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || !running(child)) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }

  /** `pg_terminate_backend` on every connection to the application database (other than this one). */
  async terminateBackends(): Promise<number> {
    const admin = new pg.Client({ connectionString: this.adminUrl });
    await admin.connect();
    try {
      const res = await admin.query(
        `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'assay' AND pid <> pg_backend_pid()) t`,
      );
      return res.rows[0].n as number;
    } finally {
      await admin.end();
    }
  }

  /** Runs one query on the application database with a connection of its own. */
  async query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    try {
      this.thaw();
      await this.stop();
    } finally {
      // Whatever the clean stop did, the directory goes (a server that is still up is killed first).
      if (this.process && running(this.process)) this.process.kill('SIGKILL');
      fs.rmSync(this.root, { recursive: true, force: true });
    }
  }
}

/** Neither exited nor ended by a signal (a killed child keeps `exitCode` null). */
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** SIGSTOP to `root` (a postmaster) and every descendant of it; returns the PIDs stopped, for `continueProcesses`. */
export function stopProcessTree(root: number): number[] {
  const pids = [root, ...childrenOf(root)];
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  return pids;
}

/** SIGCONT to each of `pids` still there. */
export function continueProcesses(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Gone already.
    }
  }
}

/** Every descendant of `pid` (backends and background workers of a postmaster), from one pass over /proc. */
function childrenOf(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const descendants = (p: number): number[] => (byParent.get(p) ?? []).flatMap((c) => [c, ...descendants(c)]);
  return descendants(pid);
}
