import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { mapLimit } from './metering/worker.js';
import { PassLoop } from './pass-loop.js';

/** How far behind an outbox is: rows waiting and when the oldest was written. */
export interface OutboxBacklog {
  pending: number;
  oldestCreatedAt: Date | null;
}

/**
 * An outbox sender for one server process (webhook deliveries, OpenLineage events): each pass claims batches under a
 * fresh lease token, committed before anything is sent, and hands every claimed row to `deliver` (send, then record
 * the outcome in its own short transaction), `concurrency` at a time, until nothing is due or the worker stops. A
 * crash mid-send leaves the lease to run out and the row goes again. Subclasses say how to claim, deliver and
 * measure the backlog.
 * @example class Sender extends OutboxWorker<Row> { ... } const s = new Sender(...); s.start(); ... await s.stop();
 */
export abstract class OutboxWorker<Row> {
  private readonly loop: PassLoop<number>;
  private lag: OutboxBacklog = { pending: 0, oldestCreatedAt: null };

  protected constructor(
    protected readonly clock: Clock,
    schedule: { intervalMs: number; concurrency: number; failure: string },
    protected readonly log: (err: unknown, message: string) => void,
  ) {
    this.concurrency = schedule.concurrency;
    this.loop = new PassLoop(
      () => this.pass(),
      schedule.intervalMs,
      (err) => this.log(err, schedule.failure),
    );
  }

  private readonly concurrency: number;

  /** Leases the next rows due at `now` under `token` (committed on its own); empty when nothing is due. */
  protected abstract claim(now: Date, token: string): Promise<Row[]>;
  /** Sends one claimed row and records the outcome under its lease. */
  protected abstract deliver(row: Row, token: string): Promise<void>;
  /** Rows waiting and the oldest one's creation time. */
  protected abstract backlog(): Promise<OutboxBacklog>;

  /** Runs a pass every `intervalMs` (if not 0) until `stop()`. */
  start(): void {
    this.loop.start();
  }

  /** Waits for the pass in progress and runs no more; unsent rows stay in the outbox. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Sends everything due now; returns how many attempts were made. */
  drain(): Promise<number> {
    return this.loop.runNow();
  }

  /** Rows waiting and the oldest one's age, as of the last pass. */
  outboxLag(): { pending: number; oldestPendingAgeSeconds: number } {
    const { pending, oldestCreatedAt } = this.lag;
    const age = oldestCreatedAt ? Math.max(0, (this.clock.now().getTime() - oldestCreatedAt.getTime()) / 1000) : 0;
    return { pending, oldestPendingAgeSeconds: age };
  }

  private async pass(): Promise<number> {
    let attempts = 0;
    try {
      while (!this.loop.stopping) {
        const token = randomUUID();
        // Committed on its own: no lock or transaction is held while the receivers are called.
        const claimed = await this.claim(this.clock.now(), token);
        if (claimed.length === 0) break;
        await mapLimit(claimed, this.concurrency, (row) => this.deliver(row, token));
        attempts += claimed.length;
      }
    } finally {
      this.lag = await this.backlog().catch(() => this.lag);
    }
    return attempts;
  }
}
