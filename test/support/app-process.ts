import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { ADMIN_KEY } from './app.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** One server secret for every process of a test: they share the database's sealed signing keys. */
const SECRET = 'process-test-secret-0123456789abcdefghijkl';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Its stdout's JSON lines (pino), parsed. */
  logs(): Record<string, any>[];
  output(): string;
  exited: Promise<number | null>;
}

/** Polls `check` until it holds or `ms` pass. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every server process this test file started, so the last hook below can wait for them. */
const started = new Set<Pick<ServerProcess, 'child' | 'exited'>>();

// Registered when a test file imports this module, so it runs after the file's own hooks (they run newest first):
// those only send SIGKILL, and a worker that exits before the child's exit is seen would leave its data directory.
afterAll(async () => {
  for (const p of started) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
});

/**
 * The real server (`src/main.ts`, as `npm start` runs it) in a process of its own on `DATABASE_URL`, logging JSON at
 * info level; resolves once it prints that it is running. Node itself with tsx's loader (not the tsx CLI, whose own
 * child a SIGKILL would orphan).
 */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-process-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ASSAY_DATA_DIR: dataDir,
      ASSAY_SECRET: SECRET,
      ASSAY_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      ASSAY_DEMO: '0',
      ASSAY_RATE_LIMIT_PER_MINUTE: '0',
      ASSAY_METERING_INTERVAL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  started.add({ child, exited });
  await eventually(
    () => {
      if (child.exitCode !== null) throw new Error(`server exited early: ${out}`);
      return out.includes('Assay is running');
    },
    60_000,
    'server start',
  );
  const logs = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
  return { child, url: `http://127.0.0.1:${port}`, logs, output: () => out, exited };
}
