import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { FastifyInstance } from 'fastify';
import { Viewer } from '../accounts/viewer.js';
import type { ProcessParts } from '../composition.js';
import type { QueryLimits } from '../config.js';
import { requestContext, type Context } from '../context.js';
import { RequestDeadlineExceededError } from '../db/pg-errors.js';
import { resolvers } from '../resolvers/index.js';
import { loadTypeDefs } from '../schema/index.js';
import { tracedExecution } from '../telemetry/spans.js';
import { compiledExecution } from './compiled-execution.js';
import { answerDatabaseUnavailable, contextFailure, formatError } from './graphql-errors.js';
import { graphqlHandler } from './graphql-handler.js';
import { guardInputs } from './input-guard.js';
import { introspectionDisabledRule } from './introspection.js';
import type { Metrics } from './metrics.js';
import { PersistedQueryCache } from './persisted-queries.js';
import { queryLimitsCheck } from './query-limits.js';
import { requestServices } from './request-services.js';

/**
 * `/graphql` (GET, POST): Apollo Server over graphql-jit, with each request's context built from the process parts.
 * @example await registerGraphql(app, parts, metrics);
 */
export async function registerGraphql(app: FastifyInstance, parts: ProcessParts, metrics: Metrics): Promise<void> {
  const { config } = parts;
  const { limits } = config;
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
      requestChecksPlugin(limits.query),
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
        const services = requestServices(parts, request);
        const { authorization } = request.headers;
        // Without credentials there is nothing to authenticate (and no database handle to make for it).
        const principal = authorization
          ? await services.accounts.authenticate(authorization).catch((err: unknown) => {
              throw contextFailure(err);
            })
          : null;
        return requestContext(services, {
          viewer: new Viewer(principal, { clientAddress: request.ip, requestId: request.id }),
          requestId: request.id,
          queryStats: request.queryStats,
        });
      },
    }),
  });
}

/** Logs each GraphQL operation's name, error codes and SQL statement count in one structured line (debug level). */
function operationLogPlugin(app: FastifyInstance): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      // The line is written at debug level only: below it, a request gets no listener (and pays for none).
      if (app.log.level !== 'debug' && app.log.level !== 'trace') return undefined;
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

/**
 * Our checks of every operation as one listener: Apollo awaits every listener's hook at each step of every request,
 * so one listener costs less than one per check. The limits come first (a query over them is refused as such, even
 * when an argument is bad too), then the arguments; a database outage makes the answer a 503.
 */
function requestChecksPlugin(limits: QueryLimits): ApolloServerPlugin<Context> {
  const checkLimits = queryLimitsCheck<Context>(limits);
  const listener: GraphQLRequestListener<Context> = {
    async didResolveOperation(request) {
      checkLimits(request);
      guardInputs(request.document, request.request.variables);
    },
    async didEncounterErrors(request) {
      answerDatabaseUnavailable(request);
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
