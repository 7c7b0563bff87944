import { PassLoop } from '../pass-loop.js';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { WebhookSettings } from '../config.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import type { ClaimedDelivery } from '../db/stores/events-store.js';
import { UnreachableCaseError } from '../errors.js';
import { retryDelayMs } from '../metering/windows.js';
import { mapLimit } from '../metering/worker.js';
import { openPrivateKey } from '../tokens/key-encryption.js';
import { webhookBody } from './payload.js';
import { postWebhook, type PostOutcome } from './outbound.js';
import { signWebhook } from './signing.js';

/** Most of a receiver's answer ever read: its status is all that counts. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** A lease lasts twice the request's deadline and a second more, so a slow send is never taken over while it runs. */
const leaseMs = (timeoutMs: number) => 2 * timeoutMs + 1000;

/**
 * Sends the webhook outbox for one server process. Each batch is leased (`lease_until`, `FOR UPDATE SKIP LOCKED`) and
 * committed before any request goes out; each result is recorded in its own short transaction by the lease holder.
 * A crash mid-send leaves the lease to run out, and the delivery goes again with the same `webhook-id`.
 * @example const worker = new WebhookWorker(db, clock, config.webhooks, secret, log); worker.start(); … await worker.stop();
 */
export class WebhookWorker {
  private readonly loop: PassLoop<number>;
  private lag = { pending: 0, oldestCreatedAt: null as Date | null };

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly settings: WebhookSettings,
    /** The server secret that seals endpoint signing secrets. */
    private readonly serverSecret: string,
    private readonly log: (err: unknown, message: string) => void,
  ) {
    this.loop = new PassLoop(
      () => this.pass(),
      settings.intervalMs,
      (err) => this.log(err, 'webhook pass failed; will retry'),
    );
  }

  /** Runs a pass every `intervalMs` (if not 0) until `stop()`. */
  start(): void {
    this.loop.start();
  }

  /** Waits for the pass in progress and runs no more; unsent deliveries stay in the outbox. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Sends everything due now; returns how many attempts were made. */
  drain(): Promise<number> {
    return this.loop.runNow();
  }

  /** Deliveries waiting and the oldest one's age, as of the last pass. */
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
        const now = this.clock.now();
        // Committed on its own: no lock or transaction is held while the receivers are called.
        const claimed = await new Stores(this.db).events.claimDue(
          now,
          new Date(now.getTime() + leaseMs(this.settings.timeoutMs)),
          token,
          this.settings.batchSize,
        );
        if (claimed.length === 0) break;
        await mapLimit(claimed, this.settings.concurrency, async (c) => this.record(c, token, await this.send(c)));
        attempts += claimed.length;
      }
    } finally {
      this.lag = await new Stores(this.db).events.outboxLag().catch(() => this.lag);
    }
    return attempts;
  }

  private async send({ event, endpoint }: ClaimedDelivery): Promise<PostOutcome> {
    const now = this.clock.now();
    const secrets = [openPrivateKey(this.serverSecret, endpoint.id, endpoint.secretSealed)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
      secrets.push(openPrivateKey(this.serverSecret, endpoint.id, endpoint.previousSecretSealed));
    }
    const body = webhookBody(event);
    const timestamp = Math.floor(now.getTime() / 1000);
    return postWebhook(
      endpoint.url,
      {
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(secrets, event.id, timestamp, body),
      },
      body,
      { timeoutMs: this.settings.timeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES, allowPrivate: this.settings.allowPrivate },
    );
  }

  /** Records one attempt in its own transaction: delivered, retried later with backoff, or given up on. */
  private async record({ delivery }: ClaimedDelivery, token: string, outcome: PostOutcome): Promise<void> {
    const now = this.clock.now();
    const attempts = delivery.attempts + 1;
    const firstAttemptAt = delivery.firstAttemptAt ?? now;
    const seen = { attempts, firstAttemptAt, lastAttemptAt: now };
    await new Stores(this.db).transaction(async (tx) => {
      switch (outcome.kind) {
        case 'DELIVERED':
          if (
            await tx.events.recordAttempt(delivery.id, token, {
              ...seen,
              status: 'SUCCEEDED',
              lastStatusCode: outcome.status,
              lastError: null,
              deliveredAt: now,
            })
          )
            await tx.events.endpointSucceeded(delivery.endpointId);
          return;
        case 'REJECTED':
        case 'ERROR': {
          const failure =
            outcome.kind === 'REJECTED'
              ? { lastStatusCode: outcome.status, lastError: `HTTP ${outcome.status}` }
              : { lastStatusCode: null, lastError: outcome.error };
          if (now.getTime() - firstAttemptAt.getTime() >= this.settings.retryForMs) {
            if (await tx.events.recordAttempt(delivery.id, token, { ...seen, ...failure, status: 'FAILED' }))
              await tx.events.endpointFailed(delivery.endpointId, this.settings.disableAfterFailures, now);
            return;
          }
          const delay = retryDelayMs(attempts, this.settings.retryBaseMs, this.settings.retryMaxMs);
          await tx.events.recordAttempt(delivery.id, token, { ...seen, ...failure, nextAttemptAt: new Date(now.getTime() + delay) });
          return;
        }
        default:
          throw new UnreachableCaseError(outcome);
      }
    });
  }
}
