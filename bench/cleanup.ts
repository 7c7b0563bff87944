/**
 * What a bench run leaves on disk (a seeded cluster of several GB, a 1 GiB file) and which processes it started are
 * undone however the run ends: normally (the caller's `finally`), on Ctrl-C / SIGTERM / SIGHUP (a `timeout` or a
 * closed terminal), or on a crash. The embedded PostgreSQL runs in a process group of its own, so a Ctrl-C in the
 * terminal does not reach it: only this stops it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Task = () => Promise<void>;
const tasks: Task[] = [];
let cleaning: Promise<void> | undefined;

/** Registers `task` to run (once, newest first) when the run ends or is interrupted. */
export function atExit(task: Task): void {
  tasks.unshift(task);
}

/** Runs every registered task once, each bounded so a hung one cannot keep the run alive. */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const task of tasks.splice(0)) {
      await Promise.race([task().catch(() => undefined), new Promise((r) => setTimeout(r, 15_000).unref())]);
    }
  })();
  return cleaning;
}

/** A temporary directory of this run, named with `prefix`, removed at exit. */
export function runDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // Retried: an interrupted seed may still be writing into it while it is removed.
  atExit(async () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
  return dir;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping its servers and removing its data...\n`);
    void cleanUp().finally(() => process.exit(code));
  });
}
