import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../db/pg-errors.js';
import { graphqlMediaType } from './graphql-media.js';
import type { Metrics } from './metrics.js';
import { DATABASE_UNAVAILABLE_MESSAGE, sendServiceUnavailable } from './unavailable.js';

/**
 * What every route answers on failure: 404 for an unknown route, 503 when the database is away, the status of a
 * client error with its message, and 500 without internals; `/graphql` gets the same in GraphQL's shape.
 * @example registerErrorAnswers(app, { bodyLimitBytes: limits.bodyLimitBytes, metrics });
 */
export function registerErrorAnswers(app: FastifyInstance, options: { bodyLimitBytes: number; metrics: Metrics }): void {
  const { metrics } = options;
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
          ? `Request body is larger than ${options.bodyLimitBytes} bytes`
          : error.message;
    // GraphQL clients get a GraphQL-shaped answer even when the request never reached GraphQL (bad JSON, too large).
    if (request.routeOptions.url === '/graphql') {
      const code = status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT';
      metrics.graphqlError(code);
      return reply
        .code(status)
        .type(graphqlMediaType(request.headers.accept))
        .send({ errors: [{ message, extensions: { code } }] });
    }
    void reply.code(status).send({ error: STATUS_CODES[status] ?? 'Error', message });
  });
}
