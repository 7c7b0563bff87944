import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<void>;
  /** Resolves with the server's URL once it listens (it printed `ready <port>`); throws if it exits first. */
  ready(): Promise<string>;
}

/**
 * A real server process (test/support/metering-server.ts: the server and its background workers, no migrations, no
 * seed) on the test database `databaseUrl`, configured by `env` over quiet defaults. Node itself with tsx's loader (not
 * the tsx CLI, which runs the server in a child of its own that a SIGKILL would orphan).
 * @example const worker = startWorkerProcess(app.databaseUrl, { ASSAY_WEBHOOKS_INTERVAL_MS: '20' }); worker.child.kill('SIGKILL');
 */
export function startWorkerProcess(databaseUrl: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/metering-server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      ASSAY_DEMO: '0',
      ASSAY_RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ready = async () => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !out.includes('ready ');) {
      if (child.exitCode !== null) throw new Error(`server exited early: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const port = /ready (\d+)/.exec(out)?.[1];
    if (!port) throw new Error(`server not ready: ${out}`);
    return `http://127.0.0.1:${port}`;
  };
  return { child, exited, ready };
}

/** Kills every worker process a test left running. */
export function killWorkerProcesses(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
