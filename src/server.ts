import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { AccountsService } from './accounts/service.js';
import { Viewer } from './accounts/viewer.js';
import { CatalogService } from './catalog/service.js';
import { commerceServices } from './billing/commerce.js';
import { derivationLicenses } from './licensing/derivation-licenses.js';
import { createStripeClient } from './billing/stripe-client.js';
import { registerStripeWebhook } from './http/stripe-webhook.js';
import { LineageService } from './lineage/service.js';
import { CoverageService } from './coverage/service.js';
import { MixesService } from './mixes/service.js';
import { ComplianceService } from './compliance/service.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { RequestDeadlineExceededError, type Database, type QueryStats } from './db/client.js';
import { AuditLog } from './audit/service.js';
import { startPeriodicJobs } from './jobs.js';
import { Stores } from './db/stores/index.js';
import { contextFailure, databaseUnavailablePlugin, formatError } from './http/graphql-errors.js';
import { isDatabaseUnavailable } from './db/pg-errors.js';
import { DATABASE_UNAVAILABLE_MESSAGE, sendServiceUnavailable } from './http/unavailable.js';
import { graphqlHandler } from './http/graphql-handler.js';
import { compiledExecution } from './http/compiled-execution.js';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { inputGuardPlugin } from './http/input-guard.js';
import { introspectionDisabledRule } from './http/introspection.js';
import { registerIde } from './http/ide.js';
import { Metrics, registerMetrics } from './http/metrics.js';
import { PersistedQueryCache } from './http/persisted-queries.js';
import { registerProbes } from './http/probes.js';
import { queryLimitsPlugin } from './http/query-limits.js';
import { registerRateLimit } from './http/rate-limit.js';
import { registerReceiveTimeout } from './http/receive-timeout.js';
import { registerJwks } from './http/jwks.js';
import { registerUploads } from './http/uploads.js';
import { registerAuditExport } from './http/audit-export.js';
import { registerCroissant } from './http/croissant.js';
import { registerOpenLineage } from './http/openlineage.js';
import { OpenLineageWorker } from './lineage/openlineage-worker.js';
import { registerDownloads } from './http/downloads.js';
import { DownloadGate } from './delivery/download-gate.js';
import { UsageRecorder } from './delivery/usage-recorder.js';
import { RefusalTally } from './delivery/refusal-tally.js';
import type { FileStorage } from './delivery/storage.js';
import { UploadsService } from './delivery/uploads-service.js';
import { MeteringService } from './metering/service.js';
import { MeteringWorker } from './metering/worker.js';
import { EventsService } from './events/service.js';
import { WebhookWorker } from './events/worker.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './schema/index.js';
import { TokensService } from './tokens/service.js';
import { registerRequestSpans, traceJob, tracedExecution } from './telemetry/spans.js';
import { SigningKeyRing } from './tokens/signing-keys.js';

export interface ServerDeps {
  config: Config;
  database: Database;
  clock: Clock;
  /** Seals token-signing private keys at rest (ASSAY_SECRET or the generated one). */
  secret: string;
  /** Where uploaded dataset files are kept. */
  storage: FileStorage;
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
 * Builds the HTTP app (GraphQL, IDE, health) from its dependencies; the caller decides when to listen.
 * @example const app = await buildServer({ config, database, clock: systemClock }); await app.listen({ port: 4000 });
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, database, clock } = deps;
  const { limits } = config;
  const stripe = createStripeClient(config.stripe);
  const app = Fastify({
    logger: { level: config.logLevel },
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
  app.addHook('onRequest', (request, _reply, done) => {
    request.queryStats = { statements: 0 };
    done();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (config.sqlStatementsHeader) reply.header('x-sql-statements', String(request.queryStats?.statements ?? 0));
  });

  // Usage is rolled up and reported to the meter (Stripe, or the local ledger) in the background.
  const metering = new MeteringWorker(database.db, clock, config, (err, msg) => app.log.error({ err }, msg));
  // Events are sent to webhook endpoints from the outbox in the background; requests only write the outbox.
  const webhooks = new WebhookWorker(database.db, clock, config.webhooks, deps.secret, (err, msg) => app.log.error({ err }, msg));
  // Run events are pushed to ASSAY_OPENLINEAGE_URL from their table in the background, when one is set.
  const { endpoint: lineageEndpoint } = config.openLineage;
  const openLineage = lineageEndpoint
    ? new OpenLineageWorker(database.db, clock, { ...config.openLineage, endpoint: lineageEndpoint }, (err, msg) =>
        app.log.error({ err }, msg),
      )
    : undefined;
  const metrics = new Metrics(database.pool);
  meteringGauges(metrics, metering);
  webhookGauges(metrics, webhooks);
  registerMetrics(app, metrics, { token: limits.metricsToken, open: limits.metricsPublic });
  if (limits.rateLimit) {
    const rateLimiter = registerRateLimit(app, limits.rateLimit, clock, (shape) => {
      if (shape === 'graphql') metrics.graphqlError('RATE_LIMITED');
    });
    metrics.gauge('assay_rate_limit_buckets', 'Token buckets held in memory by the rate limiter.', () => [[{}, rateLimiter.buckets()]]);
  }

  const keyRing = new SigningKeyRing(database.db, deps.secret, clock);
  const audit = new AuditLog(clock);
  startPeriodicJobs(app, { database, clock, audit, keyRing, settings: config.jobs, around: config.tracing ? traceJob : undefined });
  const usageRecorder = new UsageRecorder(database.db, clock, {
    maxBatch: 500,
    intervalMs: 100,
    maxBuffered: limits.usageBufferMax,
    retryMaxMs: limits.usageRetryMaxMs,
    onOutage: (err, buffered) =>
      app.log.error({ err, buffered }, 'writing usage events failed; keeping them and retrying with backoff until the database answers'),
    onRecovery: (outage) => app.log.info(outage, 'usage events written again after an outage'),
  });
  const refusalTally = new RefusalTally(database.db, clock, {
    checkEveryMs: 1000,
    onError: (err) => app.log.error({ err }, 'writing refused-download tallies failed; will retry'),
  });
  // Buffered usage is written first, before any other background work or the database stops (bounded by the
  // shutdown deadline); what could not be written is logged and fails the close, so the process exits non-zero.
  app.addHook('onClose', async () => {
    try {
      const left = await usageRecorder.close(limits.shutdownTimeoutMs);
      if (left.events + left.denials > 0) {
        app.log.error(left, `shutdown deadline passed: ${left.events} usage events and ${left.denials} denials were not written`);
        throw new Error('buffered usage was not written before the shutdown deadline');
      }
    } finally {
      await Promise.all([metering.stop(), webhooks.stop(), openLineage?.stop()]);
      await refusalTally.close();
    }
  });
  metering.start();
  webhooks.start();
  openLineage?.start();
  usageGauges(metrics, usageRecorder);
  const gate = new DownloadGate(database.db, keyRing, usageRecorder, clock);

  // Operations run as compiled functions (graphql-jit) rather than through graphql-js's interpreter.
  const execution = compiledExecution(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers }), {
    onError: (err, stage, message) => {
      app.log.error({ err }, message);
      metrics.compiledExecutionFailure(stage);
    },
  });
  const apollo = new ApolloServer<Context>({
    gateway: config.tracing ? tracedExecution(execution) : execution,
    csrfPrevention: true,
    // main.ts owns shutdown (readiness first, then the drain delay, then close); Apollo's own signal handlers would
    // close the server at once.
    stopOnTerminationSignals: false,
    // Apollo's own switch words its refusal for developers ("pass introspection: true"); this rule words it for clients.
    introspection: true,
    validationRules: config.introspection ? [] : [introspectionDisabledRule],
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: limits.query.maxTokens },
    persistedQueries: limits.persistedQueriesCacheBytes > 0 ? { cache: new PersistedQueryCache(limits.persistedQueriesCacheBytes) } : false,
    formatError: (formatted, error) => {
      const shaped = formatError(formatted, error, (err) => {
        // A request past its deadline has been answered 503 already; its leftover failures are expected.
        if (!(err instanceof RequestDeadlineExceededError)) app.log.error({ err }, 'unexpected error');
      });
      metrics.graphqlError(String(shaped.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
      return shaped;
    },
    plugins: [
      fastifyApolloDrainPlugin(app),
      ApolloServerPluginLandingPageDisabled(),
      // We give no cache hints; the default cache-control plugin would still wrap every field resolver to collect
      // them (a measurable share of a catalog page's CPU, see README "Benchmark"). GraphQL answers are no-store.
      ApolloServerPluginCacheControlDisabled(),
      operationLogPlugin(app),
      databaseUnavailablePlugin<Context>(),
      queryLimitsPlugin<Context>(limits.query),
      inputGuardPlugin<Context>(),
    ],
  });
  await apollo.start();

  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    config: { rateLimit: 'graphql' },
    onRequest: (_request, reply, done) => {
      reply.header('cache-control', 'no-store');
      done();
    },
    handler: graphqlHandler(apollo, {
      timeoutMs: limits.requestTimeoutMs,
      onTimeout: () => metrics.graphqlError('INTERNAL_SERVER_ERROR'),
      context: async (request): Promise<Context> => {
        const stores = new Stores(database.forRequest(request.queryStats));
        const accounts = new AccountsService(stores, clock);
        const principal = await accounts.authenticate(request.headers.authorization).catch((err: unknown) => {
          throw contextFailure(err);
        });
        const catalog = new CatalogService(stores, clock, derivationLicenses(clock), limits.storage, config.collapseRisk, (datasetId) =>
          gate.listingChanged(datasetId),
        );
        // Croissant documents name absolute URLs on the host the client reached.
        const lineage = new LineageService(stores, clock, catalog, `${request.protocol}://${request.host}`, config.collapseRisk);
        const coverage = new CoverageService(stores, clock, catalog, lineage, config.mixes);
        const mixes = new MixesService(stores, clock, catalog, coverage, config.collapseRisk, config.mixes);
        return {
          viewer: new Viewer(principal, { clientAddress: request.ip, requestId: request.id }),
          stores,
          clock,
          accounts,
          catalog,
          lineage,
          coverage,
          mixes,
          compliance: new ComplianceService(stores, clock, catalog, mixes, keyRing, config.collapseRisk),
          ...commerceServices(stores, clock, { stripe, config, log: (err, msg) => request.log.error({ err }, msg) }),
          tokens: new TokensService(stores, keyRing, clock),
          uploads: new UploadsService(stores, catalog, deps.storage, clock, limits.storage),
          metering: new MeteringService(stores, clock, config.metering),
          events: new EventsService(stores, clock, { serverSecret: deps.secret, webhooks: config.webhooks }),
          audit,
          keyRing,
          requestId: request.id,
          queryStats: request.queryStats,
        };
      },
    }),
  });

  // Answers within ASSAY_HEALTH_TIMEOUT_MS whatever the database does (down, frozen, or the pool saturated).
  app.get('/healthz', async (_request, reply) => {
    const started = performance.now();
    const billing = config.stripe ? 'stripe' : 'local';
    if (!(await database.ping(limits.healthTimeoutMs))) {
      const state = deps.embeddedDatabaseState ? { state: deps.embeddedDatabaseState() } : {};
      return reply.code(503).send({ status: 'unavailable', database: { ok: false, ...state }, billing });
    }
    return { status: 'ok', database: { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 }, billing };
  });

  registerProbes(app, database.pool);
  registerJwks(app, keyRing);
  registerStripeWebhook(
    app,
    (request) =>
      commerceServices(new Stores(database.forRequest(request.queryStats)), clock, {
        stripe,
        config,
        log: (err, msg) => app.log.error({ err }, msg),
      }).billing,
  );
  registerUploads(app, {
    database,
    storage: deps.storage,
    clock,
    limits: limits.storage,
    idleTimeoutMs: limits.receiveTimeoutMs,
    collapseRisk: config.collapseRisk,
  });
  registerAuditExport(app, { database, clock });
  registerCroissant(app, { database, clock, limits: limits.storage, collapseRisk: config.collapseRisk });
  registerOpenLineage(app, { database, clock });
  registerDownloads(app, {
    database,
    gate,
    storage: deps.storage,
    recorder: usageRecorder,
    tally: refusalTally,
    onRefused: (reason) => metrics.downloadRefused(reason),
    clock,
  });
  registerIde(app, { exampleKey: config.production ? undefined : deps.ideExampleKey });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'Not Found', message: `No route for ${request.method} ${request.url.split('?')[0]}` });
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    // Routes let database failures through; an outage is the service's, not the request's (never a 401 or 400).
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      return sendServiceUnavailable(reply, DATABASE_UNAVAILABLE_MESSAGE);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message =
      status >= 500
        ? 'Internal server error'
        : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? `Request body is larger than ${limits.bodyLimitBytes} bytes`
          : error.message;
    // GraphQL clients get a GraphQL-shaped answer even when the request never reached GraphQL (bad JSON, too large).
    if (request.routeOptions.url === '/graphql') {
      const code = status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT';
      metrics.graphqlError(code);
      return reply.code(status).send({ errors: [{ message, extensions: { code } }] });
    }
    void reply.code(status).send({ error: STATUS_CODES[status] ?? 'Error', message });
  });
  return app;
}

/** The usage outbox's lag as of the worker's last pass: unsent reports and the oldest one's age. */
function meteringGauges(metrics: Metrics, worker: MeteringWorker): void {
  metrics.gauge(
    'assay_metering_outbox_unsent_reports',
    'Usage reports waiting to be sent to the meter (as of the last metering pass).',
    () => [[{}, worker.outboxLag().unsent]],
  );
  metrics.gauge(
    'assay_metering_outbox_oldest_unsent_age_seconds',
    'Age of the oldest usage report not yet sent; 0 when none waits.',
    () => [[{}, Math.round(worker.outboxLag().oldestUnsentAgeSeconds)]],
  );
  metrics.gauge(
    'assay_metering_unbillable_reports',
    'Usage reports the meter refused for good or that are older than Stripe accepts.',
    () => {
      const lag = worker.outboxLag();
      return [
        [{ status: 'FAILED' }, lag.failed],
        [{ status: 'TOO_OLD' }, lag.tooOld],
      ];
    },
  );
}

/** The usage buffer: what waits to be written, its bound, and what the bound refused. */
function usageGauges(metrics: Metrics, recorder: UsageRecorder): void {
  const gauge = (name: string, help: string, value: (state: ReturnType<UsageRecorder['state']>) => number) =>
    metrics.gauge(name, help, () => [[{}, value(recorder.state())]]);
  gauge('assay_usage_buffered', 'Usage events and denials held in memory, not yet written to the database.', (s) => s.buffered);
  gauge('assay_usage_buffer_capacity', 'The most usage events and denials held in memory (ASSAY_USAGE_BUFFER_MAX).', (s) => s.capacity);
  gauge('assay_usage_write_failures', 'Failed attempts to write buffered usage since the process started.', (s) => s.failedWrites);
  gauge('assay_usage_refused_downloads', 'Downloads refused with 503 because the usage buffer was full.', (s) => s.refused);
}

/** The webhook outbox's lag as of the worker's last pass. */
function webhookGauges(metrics: Metrics, worker: WebhookWorker): void {
  metrics.gauge(
    'assay_webhook_outbox_pending_deliveries',
    'Webhook deliveries waiting to be sent or retried (as of the last pass).',
    () => [[{}, worker.outboxLag().pending]],
  );
  metrics.gauge(
    'assay_webhook_outbox_oldest_pending_age_seconds',
    'Age of the oldest webhook delivery not yet done; 0 when none waits.',
    () => [[{}, Math.round(worker.outboxLag().oldestPendingAgeSeconds)]],
  );
}

/** Believes X-Forwarded-For up to `hops` proxies in front of the server. */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/** Logs each GraphQL operation's name, error codes and SQL statement count in one structured line (debug level). */
function operationLogPlugin(app: FastifyInstance): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operationName, errors, contextValue }) {
          if (!contextValue?.requestId) return;
          app.log.debug(
            {
              requestId: contextValue.requestId,
              operationName,
              errorCodes: errors?.map((e) => e.extensions?.code),
              sqlStatements: contextValue.queryStats.statements,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
