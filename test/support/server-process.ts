import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DemoKeys } from '../../src/demo/keys.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];

/** `npm start`'s command as package.json has it (`node <node flags> dist/main.js`; the test run has built dist/). */
const START_ARGS = (() => {
  const [command, ...args] = (
    JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`npm start runs ${command}, not node`);
  return args;
})();

export interface ServerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Resolves once the banner is out (the server answers); throws if it exits first. */
  ready(): Promise<void>;
  out(): string;
  err(): string;
  /** The demo keys the banner printed. */
  demoKeys(): DemoKeys;
  /** Where the banner says the embedded PostgreSQL keeps its data. */
  databaseLocation(): string;
}

/**
 * Runs `npm start`'s command with the given environment and collects its output. It runs in a process group of its
 * own, as a terminal runs a foreground job, so signalling `-child.pid` reaches every process of that job.
 */
export function startServerProcess(env: Record<string, string>, options: { stdoutFile?: string } = {}): ServerProcess {
  // A file takes each write before the server goes on (a pipe's reader may lag behind what the server answers).
  const outFd = options.stdoutFile === undefined ? undefined : fs.openSync(options.stdoutFile, 'w');
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', outFd ?? 'pipe', 'pipe'],
    detached: true,
  });
  if (outFd !== undefined) fs.closeSync(outFd);
  children.push(child);
  let piped = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (piped += d));
  const output = () => (options.stdoutFile === undefined ? piped : fs.readFileSync(options.stdoutFile, 'utf8'));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (pattern: RegExp) => {
    const stdout = output();
    const match = pattern.exec(stdout);
    if (!match) throw new Error(`no ${pattern} in: ${stdout}`);
    return match[1]!;
  };
  return {
    child,
    exited,
    async ready() {
      // Generous: a loaded CI machine seeding the demo catalog is slow; on a quiet one this takes a few seconds.
      for (const deadline = Date.now() + 150_000; Date.now() < deadline && !output().includes('Assay is running');) {
        if (child.exitCode !== null) throw new Error(`exited early: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!output().includes('Assay is running')) throw new Error(`not ready: ${output()} ${stderr}`);
    },
    out: output,
    err: () => stderr,
    demoKeys: () => ({
      admin: line(/^ {2}admin {3}(\S+)$/m),
      vendor: line(/^ {2}vendor {2}(\S+)$/m),
      buyer: line(/^ {2}buyer {3}(\S+)$/m),
    }),
    databaseLocation: () => line(/^Database: embedded PostgreSQL, data in (\S+)$/m),
  };
}

/**
 * Stops every server a test left running: SIGTERM to its group, so it stops its PostgreSQL too; SIGKILL after 20 s.
 */
export async function killServerProcesses(): Promise<void> {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map(async (c) => {
        const exited = new Promise((resolve) => c.once('exit', resolve));
        process.kill(-c.pid!, 'SIGTERM');
        const timer = setTimeout(() => process.kill(-c.pid!, 'SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }),
  );
}
