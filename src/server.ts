import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { servesApi } from './background.js';
import type { ProcessParts } from './composition.js';
import type { QueryStats } from './db/client.js';
import { registerAuditExport } from './http/audit-export.js';
import { registerCroissant } from './http/croissant.js';
import { registerDownloads } from './http/downloads.js';
import { registerErrorAnswers } from './http/error-answers.js';
import { registerGateChanges } from './http/gate-changes.js';
import { registerGraphql } from './http/graphql.js';
import { registerHealth } from './http/health.js';
import { registerIde } from './http/ide.js';
import { registerJwks } from './http/jwks.js';
import { registerOpenLineage } from './http/openlineage.js';
import { Metrics, registerMetrics } from './http/metrics.js';
import { registerProcessGauges } from './http/process-gauges.js';
import { registerProbes } from './http/probes.js';
import { registerRateLimit } from './http/rate-limit.js';
import { registerReceiveTimeout } from './http/receive-timeout.js';
import { requestLogs } from './http/request-log.js';
import { registerStripeWebhook } from './http/stripe-webhook.js';
import { registerUploads } from './http/uploads.js';
import { registerRequestSpans } from './telemetry/spans.js';

export interface ServerDeps {
  /** Built by `buildProcessParts`; the server registers routes on them and never closes them (the caller does). */
  parts: ProcessParts;
  /** The process's logger; requests log through its children. */
  log: FastifyBaseLogger;
  /** Demo API keys the IDE may offer as examples (never in production). */
  ideExampleKey?: string;
  /** What the embedded PostgreSQL is doing (`restarting` after it died), when the server runs its own. */
  embeddedDatabaseState?: () => string;
}

declare module 'fastify' {
  interface FastifyRequest {
    queryStats: QueryStats;
  }
}

/**
 * Builds the HTTP app from the process parts; the caller decides when to listen. Every role answers the probes,
 * `/healthz` and `/metrics`; the API (GraphQL, the data routes, the webhook, the IDE) is served unless the role is
 * `worker`. Background work is not started here (see `startBackground`).
 * @example const app = await buildServer({ parts, log }); await app.listen({ port: 4000 });
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { parts } = deps;
  const { config, database, clock } = parts;
  const { limits } = config;
  const app = Fastify({
    loggerInstance: deps.log,
    childLoggerFactory: requestLogs,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: limits.bodyLimitBytes,
    // Slow clients: see registerReceiveTimeout (Node's requestTimeout would also cut a large upload in progress).
    requestTimeout: 0,
    // On shutdown, keep-alive sockets are closed at once rather than after their 72 s keep-alive timeout; an
    // interrupted download records the bytes it sent and resumes with a Range request.
    forceCloseConnections: true,
    trustProxy: typeof limits.trustProxy === 'number' ? trustHops(limits.trustProxy) : limits.trustProxy,
  });

  // First of the hooks, so the server span covers the others (rate limiting, metrics) too.
  if (config.tracing) registerRequestSpans(app);
  app.decorateRequest('queryStats', null as unknown as QueryStats);
  registerReceiveTimeout(app, limits.receiveTimeoutMs);
  // Every statement a request issues through its database handle (`database.forRequest`) is counted against it
  // (see the x-sql-statements header) and bound by its deadline.
  app.addHook('onRequest', (request, reply, done) => {
    request.queryStats = { statements: 0 };
    reply.header('x-request-id', request.id);
    done();
  });
  // Only when asked for: a send hook runs for every answer.
  if (config.sqlStatementsHeader)
    app.addHook('onSend', (request, reply, payload, done) => {
      reply.header('x-sql-statements', String(request.queryStats?.statements ?? 0));
      done(null, payload);
    });

  const metrics = new Metrics(database.pool);
  registerProcessGauges(metrics, parts);
  registerMetrics(app, metrics, { token: limits.metricsToken, open: limits.metricsPublic });
  if (limits.rateLimit) {
    // With ASSAY_RATE_LIMIT_STORE=postgres the buckets are shared by every process on the database.
    // Loaded only then: rate-limiter-flexible is some 36 modules a server with in-memory buckets never runs.
    const shared =
      limits.rateLimit.store === 'postgres'
        ? new (await import('./http/shared-buckets.js')).SharedBucketStore(database, limits.rateLimit)
        : undefined;
    if (shared) app.addHook('onClose', () => shared.close());
    const rateLimiter = registerRateLimit(
      app,
      limits.rateLimit,
      clock,
      (shape) => {
        if (shape === 'graphql') metrics.graphqlError('RATE_LIMITED');
      },
      shared && ((family) => shared.buckets(family)),
    );
    metrics.gauge('assay_rate_limit_buckets', 'Token buckets held in memory by the rate limiter.', () => [[{}, rateLimiter.buckets()]]);
  }
  registerHealth(app, parts, deps.embeddedDatabaseState);
  registerProbes(app, database.pool);

  if (servesApi(config.role)) {
    await registerGraphql(app, parts, metrics);
    registerJwks(app, parts.keyRing);
    registerStripeWebhook(app, parts);
    registerUploads(app, { parts, idleTimeoutMs: limits.receiveTimeoutMs });
    registerAuditExport(app, parts);
    registerDownloads(app, parts, { onRefused: (reason) => metrics.downloadRefused(reason) });
    registerGateChanges(app, parts, metrics);
    registerCroissant(app, parts);
    registerOpenLineage(app, parts);
    registerIde(app, { exampleKey: config.production ? undefined : deps.ideExampleKey });
  }

  registerErrorAnswers(app, { bodyLimitBytes: limits.bodyLimitBytes, metrics });
  return app;
}

/** Believes X-Forwarded-For up to `hops` proxies in front of the server. */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;
