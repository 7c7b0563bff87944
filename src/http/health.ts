import type { FastifyInstance } from 'fastify';
import type { ProcessParts } from '../composition.js';

/**
 * `GET /healthz`: the database's state and the billing mode; answers within ASSAY_HEALTH_TIMEOUT_MS whatever the
 * database does (down, frozen, or the pool saturated).
 * @example registerHealth(app, parts, embedded?.state);
 */
export function registerHealth(app: FastifyInstance, parts: ProcessParts, embeddedDatabaseState: (() => string) | undefined): void {
  const { config, database } = parts;
  app.get('/healthz', async (_request, reply) => {
    const started = performance.now();
    const billing = config.stripe ? 'stripe' : 'local';
    if (app.starting) return reply.code(503).send({ status: 'starting', billing });
    if (!(await database.ping(config.limits.healthTimeoutMs))) {
      const state = embeddedDatabaseState ? { state: embeddedDatabaseState() } : {};
      return reply.code(503).send({ status: 'unavailable', database: { ok: false, ...state }, billing });
    }
    return { status: 'ok', database: { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 }, billing };
  });
}
