import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SystemUser } from './system-user.js';

/** What the embedded PostgreSQL is doing; `restarting` after it died unexpectedly, until it accepts connections again. */
export type PostmasterState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

export type PostmasterEvent =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; restartInMs: number }
  | { kind: 'restart-failed'; message: string; restartInMs: number }
  | { kind: 'restarted'; pid: number };

export interface PostmasterOptions {
  /** The `postgres` binary. */
  binary: string;
  dataDir: string;
  port: number;
  /** Server settings, passed as `-c name=value`. */
  settings: Record<string, string>;
  /** The unprivileged user to run as (when we are root). */
  runAs: SystemUser | undefined;
}

export class PostmasterExitError extends Error {
  constructor(
    message: string,
    readonly log: string[],
  ) {
    super(message);
  }
}

const READY = 'database system is ready to accept connections';
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 5_000;
/** A run this long counts as healthy: the next crash restarts at once again. */
const HEALTHY_AFTER_MS = 30_000;
/** Fast shutdown gets this long before the immediate one. */
const STOP_GRACE_MS = 15_000;

/**
 * The PostgreSQL server process, supervised: started in its own process group (a terminal's Ctrl-C reaches only
 * us, and we stop it after the server has finished), restarted with backoff when it dies unexpectedly.
 * @example const pm = new Postmaster({ binary, dataDir, port, settings: {}, runAs }); await pm.start(); ... await pm.stop();
 */
export class Postmaster {
  private child: ChildProcess | undefined;
  private current: PostmasterState = 'stopped';
  private readonly recent: string[] = [];
  private readonly listeners = new Set<(event: PostmasterEvent) => void>();
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private runningSince = 0;
  private stopped: Promise<void> | undefined;
  private readonly killOnExit = () => this.child?.kill('SIGINT');

  constructor(private readonly options: PostmasterOptions) {}

  get state(): PostmasterState {
    return this.current;
  }

  /** The last lines PostgreSQL logged. */
  get log(): string[] {
    return [...this.recent];
  }

  /** Told of every unexpected exit and restart. */
  onEvent(listener: (event: PostmasterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the server and resolves once it accepts connections; rejects (with its log) if it exits first. */
  async start(): Promise<void> {
    this.current = 'starting';
    // Should this process end without stopping us (an uncaught error), PostgreSQL still shuts down cleanly.
    process.on('exit', this.killOnExit);
    try {
      await this.spawnServer();
    } catch (err) {
      this.current = 'stopped';
      process.off('exit', this.killOnExit);
      throw err;
    }
    this.current = 'running';
  }

  /** Fast shutdown (SIGINT: open transactions roll back, data is checkpointed), immediate after a grace period. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.current = 'stopping';
      clearTimeout(this.restartTimer);
      const child = this.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGINT');
        const grace = setTimeout(() => child.kill('SIGQUIT'), STOP_GRACE_MS);
        await exited;
        clearTimeout(grace);
      }
      process.off('exit', this.killOnExit);
      this.current = 'stopped';
    })();
    return this.stopped;
  }

  private emit(event: PostmasterEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private keep(line: string): void {
    this.recent.push(line);
    if (this.recent.length > 40) this.recent.shift();
  }

  private spawnServer(): Promise<void> {
    const { binary, dataDir, port, settings, runAs } = this.options;
    const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, {
        // Its own process group (and session): signals for our terminal's foreground group do not reach it.
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        // A clean environment: no secrets of ours in PostgreSQL's, and log lines we can recognise.
        env: { LC_ALL: 'C' },
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
      this.child = child;
      let ready = false;
      let pending = '';
      // Read for its whole life: PostgreSQL logs to this pipe and would block on a full one.
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          this.keep(line);
          if (!ready && line.includes(READY)) {
            ready = true;
            this.runningSince = Date.now();
            resolve();
          }
        }
      });
      child.once('error', (err) => {
        if (!ready) reject(new PostmasterExitError(`PostgreSQL could not be started: ${err.message}`, this.log));
      });
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!ready) {
          reject(new PostmasterExitError(`PostgreSQL exited (${signal ?? `code ${code}`}) before accepting connections`, this.log));
        } else if (this.current === 'running') {
          this.crashed(child.pid!, code, signal);
        }
      });
    });
  }

  private crashed(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    this.current = 'restarting';
    if (Date.now() - this.runningSince > HEALTHY_AFTER_MS) this.failures = 0;
    this.emit({ kind: 'exited', code, signal, restartInMs: this.scheduleRestart(pid) });
  }

  /** Tries again after a doubling delay; returns the delay. */
  private scheduleRestart(deadPid: number): number {
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** this.failures++);
    this.restartTimer = setTimeout(() => {
      if (this.current !== 'restarting') return;
      this.removeStalePidFile(deadPid);
      this.spawnServer().then(
        () => {
          if (this.current !== 'restarting') return;
          this.current = 'running';
          this.emit({ kind: 'restarted', pid: this.child!.pid! });
        },
        (err: Error) => {
          if (this.current !== 'restarting') return;
          this.emit({ kind: 'restart-failed', message: err.message, restartInMs: this.scheduleRestart(deadPid) });
        },
      );
    }, delay);
    return delay;
  }

  /**
   * PostgreSQL clears a lock file whose process is gone by itself; it refuses one whose PID was reused by another
   * process. That file is removed only when it names the server we saw die and no process of the old server is left
   * in the data directory (the file also guards its shared memory).
   */
  private removeStalePidFile(deadPid: number): void {
    const file = path.join(this.options.dataDir, 'postmaster.pid');
    let firstLine: string;
    try {
      firstLine = fs.readFileSync(file, 'utf8').split('\n')[0]!;
    } catch {
      return;
    }
    if (Number(firstLine) !== deadPid || !isProcessAlive(deadPid) || processesIn(this.options.dataDir) !== 0) return;
    fs.rmSync(file, { force: true });
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Processes whose working directory is `dir` (PostgreSQL's all work in their data directory); -1 if unknown. */
function processesIn(dir: string): number {
  let count = 0;
  try {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (fs.readlinkSync(`/proc/${pid}/cwd`) === dir) count++;
      } catch {
        // Gone meanwhile, or not ours to see.
      }
    }
  } catch {
    return -1;
  }
  return count;
}
