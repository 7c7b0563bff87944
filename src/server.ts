import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { AccountsService } from './accounts/service.js';
import { Viewer } from './accounts/viewer.js';
import { CatalogService } from './catalog/service.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { queryStats, type Database, type QueryStats } from './db/client.js';
import { Stores } from './db/stores/index.js';
import { formatError } from './http/graphql-errors.js';
import { registerIde } from './http/ide.js';
import { registerJwks } from './http/jwks.js';
import { registerUploads } from './http/uploads.js';
import type { FileStorage } from './delivery/storage.js';
import { UploadsService } from './delivery/uploads-service.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './schema/index.js';
import { TokensService } from './tokens/service.js';
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
  const app = Fastify({
    logger: { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
  });

  app.decorateRequest('queryStats', null as unknown as QueryStats);
  // Every statement issued while serving a request is counted against it (see the x-sql-statements header).
  app.addHook('onRequest', (request, _reply, done) => {
    request.queryStats = { statements: 0 };
    queryStats.run(request.queryStats, done);
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (!config.production) reply.header('x-sql-statements', String(request.queryStats?.statements ?? 0));
  });

  const keyRing = new SigningKeyRing(database.db, deps.secret, clock);

  const apollo = new ApolloServer<Context>({
    typeDefs: loadTypeDefs(),
    resolvers,
    csrfPrevention: true,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    formatError: (formatted, error) => formatError(formatted, error, (err) => app.log.error({ err }, 'unexpected error')),
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled(), logErrorsPlugin(app)],
  });
  await apollo.start();

  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler: fastifyApolloHandler(apollo, {
      context: async (request): Promise<Context> => {
        const stores = new Stores(database.db);
        const accounts = new AccountsService(stores, clock);
        const principal = await accounts.authenticate(request.headers.authorization);
        const catalog = new CatalogService(stores, clock);
        return {
          viewer: new Viewer(principal),
          stores,
          clock,
          accounts,
          catalog,
          tokens: new TokensService(stores, keyRing, clock),
          uploads: new UploadsService(stores, catalog, deps.storage, clock),
          requestId: request.id,
        };
      },
    }),
  });

  app.get('/healthz', async (_request, reply) => {
    const started = performance.now();
    try {
      await database.pool.query('SELECT 1');
      return {
        status: 'ok',
        database: { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 },
        billing: config.stripe ? 'stripe' : 'local',
      };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: { ok: false }, billing: config.stripe ? 'stripe' : 'local' });
    }
  });

  registerJwks(app, keyRing);
  registerUploads(app, { database, storage: deps.storage, clock });
  registerIde(app, { exampleKey: config.production ? undefined : deps.ideExampleKey });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'Not Found', message: `No route for ${request.method} ${request.url.split('?')[0]}` });
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(status).send({
      error: status >= 500 ? 'Internal Server Error' : error.name,
      message: status >= 500 ? 'Internal server error' : error.message,
    });
  });
  return app;
}

/** Logs each GraphQL operation's name, errors codes and SQL statement count in one structured line. */
function logErrorsPlugin(app: FastifyInstance): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operationName, errors, contextValue }) {
          if (!contextValue?.requestId) return;
          app.log.debug(
            { requestId: contextValue.requestId, operationName, errorCodes: errors?.map((e) => e.extensions?.code) },
            'graphql operation',
          );
        },
      };
    },
  };
}
