import type { ClientConfig } from 'pg';
import type { AuditLog } from './audit/service.js';
import type { Clock } from './clock.js';
import type { ProcessLog } from './composition.js';
import type { JobSettings } from './config.js';
import type { Database } from './db/client.js';
import { LeaderLock } from './db/leader-lock.js';
import { dropBilledUsagePartitions, ensureMonthPartitions } from './db/partitions.js';
import { Stores } from './db/stores/index.js';
import { expireDueLicenses } from './licensing/change.js';
import { remindEndingTrials } from './licensing/trials.js';
import type { SigningKeyRing } from './tokens/signing-keys.js';

interface Job {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/**
 * The periodic housekeeping, run by one process per database (the holder of the jobs leader lock): licenses whose
 * term ended become EXPIRED (with their audit record), trials ending within three days get their one `trial.ending`
 * event, the audit chain head is signed so even a superuser's consistent rewrite is detectable, the coming months'
 * partitions are created and, with a usage retention set, billed months of raw usage events are dropped. A process
 * that becomes the leader runs each job one period after that, so a takeover never runs a job twice in one period.
 * Started by `startBackground`; `stop` ends the schedule and waits for the runs in progress.
 */
export function startPeriodicJobs(deps: {
  database: Database;
  clock: Clock;
  audit: AuditLog;
  keyRing: SigningKeyRing;
  settings: JobSettings;
  log: ProcessLog;
  /** Wraps each run (tracing gives it a span, otherwise it runs as is). */
  around: (name: string, run: () => Promise<unknown>) => Promise<unknown>;
}): { stop(): Promise<void> } {
  const { settings } = deps;
  const jobs: Job[] = [
    {
      name: 'expire licenses',
      everyMs: settings.expireLicensesIntervalMs,
      run: () => new Stores(deps.database.db).transaction((tx) => expireDueLicenses(tx, deps.audit, deps.clock)),
    },
    {
      // Same cadence as expiry: both watch license dates.
      name: 'trial reminders',
      everyMs: settings.expireLicensesIntervalMs,
      run: () => new Stores(deps.database.db).transaction((tx) => remindEndingTrials(tx, deps.clock)),
    },
    {
      name: 'audit checkpoint',
      everyMs: settings.auditCheckpointIntervalMs,
      run: () => deps.audit.checkpoint(new Stores(deps.database.db), deps.keyRing),
    },
    {
      name: 'month partitions',
      everyMs: settings.partitionsIntervalMs,
      run: () => ensureMonthPartitions(deps.database.db, deps.clock.now()),
    },
  ];
  const retentionDays = settings.usageRetentionDays;
  if (retentionDays !== null) {
    jobs.push({
      name: 'usage retention',
      everyMs: settings.partitionsIntervalMs,
      run: async () => {
        const { keptUnbilled } = await dropBilledUsagePartitions(deps.database.db, deps.clock.now(), retentionDays);
        if (keptUnbilled.length > 0)
          log.warn({ partitions: keptUnbilled }, 'usage retention: keeping months past the retention that hold unbilled usage');
      },
    });
  }
  const { around, log } = deps;
  const running = new Set<Promise<unknown>>();
  let timers: NodeJS.Timeout[] = [];

  const lead = () => {
    timers = jobs.map((job) => {
      const timer = setInterval(() => {
        const run = around(job.name, job.run)
          .catch((err) => log.error({ err, job: job.name }, 'periodic job failed'))
          .finally(() => running.delete(run));
        running.add(run);
      }, job.everyMs);
      timer.unref();
      return timer;
    });
  };
  const lock = new LeaderLock({
    connection: deps.database.pool.options as ClientConfig,
    retryMs: settings.leaderRetryMs,
    onChange: (leading) => {
      log.info(
        { leading, jobs: jobs.map((j) => j.name) },
        leading ? 'periodic jobs: this process leads' : 'periodic jobs: no longer leading',
      );
      if (leading) lead();
      else timers.forEach(clearInterval);
    },
  });
  lock.start();
  return {
    async stop() {
      await lock.stop();
      await Promise.all(running);
    },
  };
}
