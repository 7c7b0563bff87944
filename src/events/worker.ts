import type { Clock } from '../clock.js';
import type { WebhookSettings } from '../config.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import type { ClaimedDelivery } from '../db/stores/events-store.js';
import { UnreachableCaseError } from '../errors.js';
import { retryDelayMs } from '../metering/windows.js';
import { OutboxWorker, type OutboxBacklog } from '../outbox-worker.js';
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
export class WebhookWorker extends OutboxWorker<ClaimedDelivery> {
  constructor(
    private readonly db: Db,
    clock: Clock,
    private readonly settings: WebhookSettings,
    /** The server secret that seals endpoint signing secrets. */
    private readonly serverSecret: string,
    log: (err: unknown, message: string) => void,
  ) {
    super(clock, { intervalMs: settings.intervalMs, concurrency: settings.concurrency, failure: 'webhook pass failed; will retry' }, log);
  }

  protected claim(now: Date, token: string): Promise<ClaimedDelivery[]> {
    const leaseUntil = new Date(now.getTime() + leaseMs(this.settings.timeoutMs));
    return new Stores(this.db).events.claimDue(now, leaseUntil, token, this.settings.batchSize);
  }

  protected async deliver(claimed: ClaimedDelivery, token: string): Promise<void> {
    await this.record(claimed, token, await this.send(claimed));
  }

  protected backlog(): Promise<OutboxBacklog> {
    return new Stores(this.db).events.outboxLag();
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
