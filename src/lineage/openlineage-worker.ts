import type { Clock } from '../clock.js';
import type { OpenLineageSettings } from '../config.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import type { OpenLineageEventRow } from '../db/stores/openlineage-store.js';
import { UnreachableCaseError } from '../errors.js';
import { postWebhook, type PostOutcome } from '../events/outbound.js';
import { retryDelayMs } from '../metering/windows.js';
import { OutboxWorker, type OutboxBacklog } from '../outbox-worker.js';

const BATCH = 20;
const CONCURRENCY = 4;
const TIMEOUT_MS = 10_000;
const RETRY_MAX_MS = 60 * 60 * 1000;
/** An event is retried for a week after its first attempt, then marked FAILED (it stays in the stream). */
const RETRY_FOR_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_RESPONSE_BYTES = 64 * 1024;
/** A lease outlasts the request's deadline, so a slow send is never taken over while it runs. */
const LEASE_MS = 2 * TIMEOUT_MS + 1000;

/**
 * POSTs stored run events to a Marquez-compatible endpoint (`/api/v1/lineage`), oldest first. Each batch is leased and
 * committed before any request goes out, and each result recorded in its own short transaction: no network call runs
 * inside a transaction, and an event whose sender died is sent again once its lease runs out (same runId; Marquez
 * takes a repeated event as the same run).
 * @example const worker = new OpenLineageWorker(db, clock, config.openLineage); worker.start(); … await worker.stop();
 */
export class OpenLineageWorker extends OutboxWorker<OpenLineageEventRow> {
  constructor(
    private readonly db: Db,
    clock: Clock,
    private readonly settings: OpenLineageSettings & { endpoint: string },
    log: (err: unknown, message: string) => void,
  ) {
    super(clock, { intervalMs: settings.intervalMs, concurrency: CONCURRENCY, failure: 'OpenLineage push failed; will retry' }, log);
  }

  protected claim(now: Date, token: string): Promise<OpenLineageEventRow[]> {
    return new Stores(this.db).openLineage.claimDue(now, new Date(now.getTime() + LEASE_MS), token, BATCH);
  }

  protected async deliver(row: OpenLineageEventRow, token: string): Promise<void> {
    await this.record(row, token, await this.send(row));
  }

  protected backlog(): Promise<OutboxBacklog> {
    return new Stores(this.db).openLineage.outboxLag();
  }

  private send(row: OpenLineageEventRow): Promise<PostOutcome> {
    // The endpoint is the operator's own (often on a private network), so private addresses and http are allowed.
    return postWebhook(this.settings.endpoint, { 'user-agent': 'Assay-OpenLineage/1' }, JSON.stringify(row.event), {
      timeoutMs: TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      allowPrivate: true,
    });
  }

  private async record(row: OpenLineageEventRow, token: string, outcome: PostOutcome): Promise<void> {
    const now = this.clock.now();
    const attempts = row.attempts + 1;
    const firstAttemptAt = row.firstAttemptAt ?? now;
    const seen = { attempts, firstAttemptAt };
    const store = new Stores(this.db).openLineage;
    switch (outcome.kind) {
      case 'DELIVERED':
        await store.recordAttempt(row.runId, token, { ...seen, delivery: 'DELIVERED', deliveredAt: now, lastError: null });
        return;
      case 'REJECTED':
      case 'ERROR': {
        const lastError = outcome.kind === 'REJECTED' ? `HTTP ${outcome.status}` : outcome.error;
        if (now.getTime() - firstAttemptAt.getTime() >= RETRY_FOR_MS) {
          await store.recordAttempt(row.runId, token, { ...seen, lastError, delivery: 'FAILED' });
          return;
        }
        const delay = retryDelayMs(attempts, this.settings.retryBaseMs, Math.max(RETRY_MAX_MS, this.settings.retryBaseMs));
        await store.recordAttempt(row.runId, token, { ...seen, lastError, nextAttemptAt: new Date(now.getTime() + delay) });
        return;
      }
      default:
        throw new UnreachableCaseError(outcome);
    }
  }
}
