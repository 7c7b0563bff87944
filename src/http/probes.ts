import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { migrationStatus, type MigrationStatus } from '../db/migrate.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** From now on `/readyz` answers 503 (shutdown has begun); everything else is still served until `close()`. */
    startDraining(): void;
    /**
     * Until `announced()`, `/healthz` and `/readyz` answer 503 `starting`: `npm start` holds them while it prints its
     * banner (the URL and the demo keys), so whatever waits for a healthy server finds the keys already printed.
     */
    holdUntilAnnounced(): void;
    announced(): void;
    /** Whether the probes are held (see `holdUntilAnnounced`). */
    readonly starting: boolean;
  }
}

/** The readiness check's bound on the database, below a Kubernetes probe's usual timeout (1 s). */
const READY_CHECK_TIMEOUT_MS = 900;

const TIMED_OUT = Symbol('timed out');

/** `work`'s result, or TIMED_OUT once `ms` have passed (the work itself goes on and its failure is dropped). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  return Promise.race([work, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * Kubernetes-style probes beside the contract's `/healthz`: `GET /livez` answers as long as the process does (no
 * SQL, so a database outage never restarts the pod), `GET /readyz` only when the database answers within a short bound,
 * has this build's migrations and the server is not shutting down. Both are rate limited like the other routes.
 * @example registerProbes(app, database.pool); app.startDraining(); // /readyz now answers 503
 */
export function registerProbes(app: FastifyInstance, pool: pg.Pool): void {
  let draining = false;
  let starting = false;
  app.decorate('startDraining', () => {
    draining = true;
  });
  app.decorate('holdUntilAnnounced', () => {
    starting = true;
  });
  app.decorate('announced', () => {
    starting = false;
  });
  app.decorate('starting', { getter: () => starting });
  app.addHook('preClose', async () => {
    draining = true;
  });

  app.get('/livez', { config: { rateLimit: 'json' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { rateLimit: 'json' } }, async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining', draining: true });
    if (starting) return reply.code(503).send({ status: 'starting', draining: false });
    const started = performance.now();
    let migrations: MigrationStatus | typeof TIMED_OUT | undefined;
    try {
      migrations = await within(migrationStatus(pool), READY_CHECK_TIMEOUT_MS);
    } catch {
      migrations = undefined;
    }
    if (migrations === undefined || migrations === TIMED_OUT) {
      return reply.code(503).send({ status: 'unavailable', draining: false, database: { ok: false } });
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const body = {
      status: migrations.applied ? 'ready' : 'unavailable',
      draining: false,
      database: { ok: true, latencyMs },
      migrations: { ok: migrations.applied, expected: migrations.expected },
    };
    return reply.code(migrations.applied ? 200 : 503).send(body);
  });
}
