import type { FastifyInstance } from 'fastify';
import type { AuditLog } from './audit/service.js';
import type { Clock } from './clock.js';
import type { Database } from './db/client.js';
import { Stores } from './db/stores/index.js';
import { expireDueLicenses } from './licensing/audit.js';
import type { SigningKeyRing } from './tokens/signing-keys.js';

interface Job {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/**
 * The server's periodic housekeeping, stopped when the app closes: licenses whose term ended become EXPIRED (with
 * their audit record), and the audit chain head is signed so even a superuser's consistent rewrite is detectable.
 * Every job is idempotent, so several server processes may run them side by side.
 */
export function startPeriodicJobs(
  app: FastifyInstance,
  deps: { database: Database; clock: Clock; audit: AuditLog; keyRing: SigningKeyRing },
): void {
  const jobs: Job[] = [
    {
      name: 'expire licenses',
      everyMs: 60_000,
      run: () => new Stores(deps.database.db).transaction((tx) => expireDueLicenses(tx, deps.clock)),
    },
    { name: 'audit checkpoint', everyMs: 5 * 60_000, run: () => deps.audit.checkpoint(new Stores(deps.database.db), deps.keyRing) },
  ];
  const timers = jobs.map((job) => {
    const timer = setInterval(
      () => void job.run().catch((err) => app.log.error({ err, job: job.name }, 'periodic job failed')),
      job.everyMs,
    );
    timer.unref();
    return timer;
  });
  app.addHook('onClose', async () => timers.forEach(clearInterval));
}
