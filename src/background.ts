import type { ProcessLog, ProcessParts } from './composition.js';
import type { Role } from './config.js';
import { startPeriodicJobs } from './jobs.js';
import { traceJob } from './telemetry/spans.js';

export const runsBackground = (role: Role): boolean => role !== 'web';
export const servesApi = (role: Role): boolean => role !== 'worker';

/**
 * Starts the background work of a `worker` (or `all`) process: the metering worker (usage to the meter), the webhook
 * worker (the outbox to endpoints) and the periodic jobs (expiry, trial reminders, audit checkpoints, under the
 * leader lock). `stop` ends them and waits for what is in progress; `parts.close()` is still the caller's.
 * @example const background = runsBackground(config.role) ? startBackground(parts, app.log) : undefined;
 */
export function startBackground(parts: ProcessParts, log: ProcessLog): { stop(): Promise<void> } {
  const { config, database, clock, audit, keyRing } = parts;
  parts.meteringWorker.start();
  parts.webhookWorker.start();
  parts.openLineageWorker?.start();
  const jobs = startPeriodicJobs({
    database,
    clock,
    audit,
    keyRing,
    settings: config.jobs,
    log,
    around: config.tracing ? traceJob : (_name, run) => run(),
  });
  return {
    async stop() {
      await Promise.all([parts.meteringWorker.stop(), parts.webhookWorker.stop(), parts.openLineageWorker?.stop(), jobs.stop()]);
    },
  };
}

/**
 * Closes what `buildProcessParts` and `startBackground` started, buffered usage first; rejects when usage was left
 * unwritten (the process then exits non-zero).
 * @example app.addHook('onClose', () => closeProcess(parts, background));
 */
export async function closeProcess(parts: ProcessParts, background: { stop(): Promise<void> } | undefined): Promise<void> {
  try {
    await parts.close();
  } finally {
    await background?.stop();
  }
}
