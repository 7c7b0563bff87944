import { PassLoop } from '../pass-loop.js';
import type { Clock } from '../clock.js';
import type { Config, MeteringSettings } from '../config.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import { UnreachableCaseError } from '../errors.js';
import type { ClaimedReport } from '../db/stores/metering-store.js';
import { rollUp } from './roll-up.js';
import { createMeterStripeClient, LocalMeterSender, senderFor, StripeMeterSender, type MeterSender, type SendOutcome } from './senders.js';
import { retryDelayMs } from './windows.js';

export interface FlushResult {
  rolledUpWindows: number;
  newReports: number;
  sent: number;
  retried: number;
  failed: number;
  tooOld: number;
}

export interface OutboxLag {
  unsent: number;
  oldestUnsentAgeSeconds: number;
  failed: number;
  tooOld: number;
}

/** Spaces calls so at most `perSecond` start each second (per process). */
class CallPacer {
  private next = 0;
  constructor(private readonly perSecond: number) {}
  async take(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}

/**
 * The metering pipeline for one server process: rolls closed windows up into the outbox, then drains due reports in
 * batches. Claim, send, record: a batch is claimed in one statement (a lease: `next_attempt_at` moves past the time
 * the batch may take, so two processes never send the same report at once), sent with no transaction open, and the
 * outcomes are written in one transaction; a crash leaves the reports PENDING, due again when the lease ends, and
 * they are resent with the same identifier, which the meter counts once.
 * @example const worker = new MeteringWorker(db, clock, config, log); worker.start(); ... await worker.stop();
 */
export class MeteringWorker {
  private readonly loop: PassLoop<FlushResult>;
  private readonly pacer: CallPacer;
  private readonly pick: (report: ClaimedReport) => MeterSender | { unavailable: string };
  private lag: { unsent: number; oldestCreatedAt: Date | null; failed: number; tooOld: number } = {
    unsent: 0,
    oldestCreatedAt: null,
    failed: 0,
    tooOld: 0,
  };

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    config: Pick<Config, 'stripe' | 'metering'>,
    private readonly log: (err: unknown, message: string) => void,
    senders: { stripe?: MeterSender | null; local?: MeterSender } = {},
  ) {
    this.settings = config.metering;
    this.loop = new PassLoop(
      () => this.pass(),
      this.settings.intervalMs,
      (err) => this.log(err, 'metering pass failed; will retry'),
    );
    this.pacer = new CallPacer(this.settings.maxPerSecond);
    const stripe =
      senders.stripe !== undefined
        ? senders.stripe
        : config.stripe
          ? new StripeMeterSender(createMeterStripeClient(config.stripe, this.settings.stripeTimeoutMs))
          : null;
    this.pick = senderFor(stripe, senders.local ?? new LocalMeterSender(new Stores(db)));
    const s = this.settings;
    // Longer than a whole batch can take: its calls in waves of `concurrency`, each up to the timeout, plus the pacing.
    this.leaseMs = (Math.ceil(s.batchSize / s.concurrency) + 1) * s.stripeTimeoutMs + Math.ceil((s.batchSize * 1000) / s.maxPerSecond);
  }

  private readonly settings: MeteringSettings;
  private readonly leaseMs: number;

  /** Runs a pass every `intervalMs` (if not 0) until `stop()`. */
  start(): void {
    this.loop.start();
  }

  /** Waits for a pass in progress to end and runs no more. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass now: roll up, then send everything due (a pass already running is awaited first). */
  flush(): Promise<FlushResult> {
    return this.loop.runNow();
  }

  /** Unsent reports and the age of the oldest, as of the last pass. */
  outboxLag(): OutboxLag {
    const { unsent, oldestCreatedAt, failed, tooOld } = this.lag;
    const age = oldestCreatedAt ? Math.max(0, (this.clock.now().getTime() - oldestCreatedAt.getTime()) / 1000) : 0;
    return { unsent, oldestUnsentAgeSeconds: age, failed, tooOld };
  }

  private async pass(): Promise<FlushResult> {
    const result: FlushResult = { rolledUpWindows: 0, newReports: 0, sent: 0, retried: 0, failed: 0, tooOld: 0 };
    try {
      const rolled = await rollUp(this.db, this.clock.now(), this.settings);
      result.rolledUpWindows = rolled.windows;
      result.newReports = rolled.reports;
      // Stops at the first batch with a transient failure: the meter is struggling, the backoff decides when to return.
      while (!this.loop.stopping) {
        const batch = await this.sendBatch();
        if (batch.claimed === 0) break;
        result.sent += batch.sent;
        result.retried += batch.retried;
        result.failed += batch.failed;
        result.tooOld += batch.tooOld;
        if (batch.retried > 0) break;
      }
    } finally {
      this.lag = await new Stores(this.db).metering.outboxLag().catch(() => this.lag);
    }
    return result;
  }

  private async sendBatch() {
    const counts = { claimed: 0, sent: 0, retried: 0, failed: 0, tooOld: 0 };
    const stores = new Stores(this.db);
    const claimedAt = this.clock.now();
    const claimed = await stores.metering.claimDueReports(claimedAt, this.settings.batchSize, new Date(claimedAt.getTime() + this.leaseMs));
    counts.claimed = claimed.length;
    if (claimed.length === 0) return counts;
    const outcomes = await mapLimit(claimed, this.settings.concurrency, async (report): Promise<SendOutcome> => {
      const sender = this.pick(report);
      if ('unavailable' in sender) return { kind: 'RETRY', error: sender.unavailable };
      if (report.billingMode === 'STRIPE') await this.pacer.take();
      return sender.send(report, this.clock.now());
    });
    await stores.transaction(async (tx) => {
      const now = this.clock.now();
      for (const [i, outcome] of outcomes.entries()) {
        const report = claimed[i]!;
        const attempts = report.attempts + 1;
        switch (outcome.kind) {
          case 'SENT':
            counts.sent++;
            await tx.metering.updateReport(report.identifier, { status: 'SENT', attempts, sentAt: now, lastError: null });
            break;
          case 'RETRY':
            counts.retried++;
            await tx.metering.updateReport(report.identifier, {
              attempts,
              lastError: outcome.error,
              nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts, this.settings.retryBaseMs, this.settings.retryMaxMs)),
            });
            break;
          case 'FAILED':
            counts.failed++;
            await tx.metering.updateReport(report.identifier, { status: 'FAILED', attempts, lastError: outcome.error });
            break;
          case 'TOO_OLD':
            counts.tooOld++;
            await tx.metering.updateReport(report.identifier, { status: 'TOO_OLD', attempts, lastError: outcome.error });
            break;
          default:
            throw new UnreachableCaseError(outcome);
        }
      }
    });
    return counts;
  }
}

/** Maps with at most `limit` calls of `fn` in flight, keeping order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
