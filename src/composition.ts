import type Stripe from 'stripe';
import { AuditLog } from './audit/service.js';
import { createStripeClient } from './billing/stripe-client.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { DownloadGate } from './delivery/download-gate.js';
import { RefusalTally } from './delivery/refusal-tally.js';
import type { FileStorage } from './delivery/storage.js';
import { UsageRecorder } from './delivery/usage-recorder.js';
import { OpenLineageWorker } from './lineage/openlineage-worker.js';
import { WebhookWorker } from './events/worker.js';
import { MeteringWorker } from './metering/worker.js';
import { SigningKeyRing } from './tokens/signing-keys.js';

/** The few log calls the process-wide parts make (Fastify's logger is one). */
export interface ProcessLog {
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ProcessDeps {
  config: Config;
  database: Database;
  clock: Clock;
  /** Seals token-signing private keys and webhook secrets at rest (ASSAY_SECRET or the generated one). */
  secret: string;
  /** Where uploaded dataset files are kept. */
  storage: FileStorage;
  log: ProcessLog;
}

/**
 * What lives as long as the process, built once here and handed to every entry point (GraphQL, HTTP routes, the
 * Stripe webhook, the background work). Nothing here starts work: `startBackground` (background.ts) does, by role.
 */
export interface ProcessParts extends Omit<ProcessDeps, 'log'> {
  /** Null in local billing mode. */
  stripe: Stripe | null;
  keyRing: SigningKeyRing;
  audit: AuditLog;
  usageRecorder: UsageRecorder;
  refusalTally: RefusalTally;
  downloadGate: DownloadGate;
  meteringWorker: MeteringWorker;
  webhookWorker: WebhookWorker;
  /** Undefined unless ASSAY_OPENLINEAGE_URL is set. */
  openLineageWorker: OpenLineageWorker | undefined;
  /**
   * Writes buffered usage first (within ASSAY_SHUTDOWN_TIMEOUT_MS), then stops the workers and the refusal tally;
   * rejects when usage was left unwritten, so the process exits non-zero.
   */
  close(): Promise<void>;
}

/**
 * The one place the process-wide parts are built.
 * @example const parts = buildProcessParts({ config, database, clock: systemClock, secret, storage, log: app.log });
 */
export function buildProcessParts(deps: ProcessDeps): ProcessParts {
  const { config, database, clock, secret, log } = deps;
  const { limits } = config;
  const audit = new AuditLog(clock);
  const keyRing = new SigningKeyRing(database.db, secret, clock);
  const usageRecorder = new UsageRecorder(database.db, clock, audit, {
    maxBatch: 500,
    intervalMs: 100,
    maxBuffered: limits.usageBufferMax,
    retryMaxMs: limits.usageRetryMaxMs,
    onOutage: (err, buffered) =>
      log.error({ err, buffered }, 'writing usage events failed; keeping them and retrying with backoff until the database answers'),
    onRecovery: (outage) => log.info(outage, 'usage events written again after an outage'),
  });
  const refusalTally = new RefusalTally(database.db, clock, audit, {
    checkEveryMs: 1000,
    onError: (err) => log.error({ err }, 'writing refused-download tallies failed; will retry'),
  });
  const logError = (err: unknown, msg: string) => log.error({ err }, msg);
  // Usage is rolled up and reported to the meter (Stripe, or the local ledger) in the background.
  const meteringWorker = new MeteringWorker(database.db, clock, config, logError);
  // Events are sent to webhook endpoints from the outbox in the background; requests only write the outbox.
  const webhookWorker = new WebhookWorker(database.db, clock, config.webhooks, secret, logError);
  // OpenLineage run events are pushed to ASSAY_OPENLINEAGE_URL from their table in the background, when one is set.
  const { endpoint: lineageEndpoint } = config.openLineage;
  const openLineageWorker = lineageEndpoint
    ? new OpenLineageWorker(database.db, clock, { ...config.openLineage, endpoint: lineageEndpoint }, logError)
    : undefined;
  return {
    ...deps,
    stripe: createStripeClient(config.stripe),
    keyRing,
    audit,
    usageRecorder,
    refusalTally,
    downloadGate: new DownloadGate(database.db, keyRing, usageRecorder, clock),
    meteringWorker,
    webhookWorker,
    openLineageWorker,
    async close() {
      try {
        const left = await usageRecorder.close(limits.shutdownTimeoutMs);
        if (left.events + left.denials > 0) {
          log.error(left, `shutdown deadline passed: ${left.events} usage events and ${left.denials} denials were not written`);
          throw new Error('buffered usage was not written before the shutdown deadline');
        }
      } finally {
        await Promise.all([meteringWorker.stop(), webhookWorker.stop(), openLineageWorker?.stop()]);
        await refusalTally.close();
      }
    },
  };
}
