import { Readable } from 'node:stream';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { graphqlMediaType, LEGACY_JSON } from './graphql-media.js';

export interface GraphQLHandlerOptions<TContext extends BaseContext> {
  context: (request: FastifyRequest, reply: FastifyReply) => Promise<TContext>;
  /** How long one request may take; then it is answered 503 and issues no more SQL. */
  timeoutMs: number;
  /** Called when a request is answered 503 for taking too long. */
  onTimeout?: () => void;
}

/** Headers as Apollo wants them; repeated headers are joined as HTTP allows. */
function headerMap(request: FastifyRequest): HeaderMap {
  const map = new HeaderMap();
  for (const [key, value] of Object.entries(request.headers)) {
    if (value !== undefined) map.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}

/** The query string as sent; taken from the raw URL, so an odd Host header cannot break the request. */
function searchOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at);
}

/**
 * GraphQL-over-HTTP: a well-formed request whose document does not parse or validate, or whose variables do not
 * coerce, is answered 200 in `application/json` (clients of that type read errors from the body) and 4xx only in
 * `application/graphql-response+json`. A request that is not well-formed (no query, a bad body) stays 400.
 */
function wellFormedRequestError(contentType: string | undefined, body: string): boolean {
  if (contentType !== LEGACY_JSON) return false;
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { reason?: string } }[] };
    return Array.isArray(parsed.errors) && parsed.errors.length > 0 && parsed.errors.every((e) => e.extensions?.reason !== 'BAD_REQUEST');
  } catch {
    return false;
  }
}

/**
 * Serves GraphQL over HTTP with Apollo, with a deadline: past `timeoutMs` the client gets a 503 GraphQL error
 * and the request's remaining SQL is refused (see `QueryStats.deadline`), so a slow request cannot hold the server.
 * @example app.route({ method: ['GET', 'POST'], url: '/graphql', handler: graphqlHandler(apollo, { context, timeoutMs: 30_000 }) });
 */
export function graphqlHandler<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  options: GraphQLHandlerOptions<TContext>,
): RouteHandlerMethod {
  const { timeoutMs } = options;
  const seconds = Math.round(timeoutMs / 100) / 10;
  const timedOutBody = JSON.stringify({
    errors: [
      {
        message: `The request took longer than ${seconds} s and was stopped; ask for less or try again`,
        extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'TIMEOUT' },
      },
    ],
  });
  return async function handleGraphQL(request, reply) {
    const stats = request.queryStats;
    if (stats) stats.deadline = performance.now() + timeoutMs;
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: request.method.toUpperCase(),
      headers: headerMap(request),
      search: searchOf(request.url),
      body: request.body,
    };
    // Past the deadline the timer answers 503 itself; the execution goes on until its next SQL statement, which is
    // refused, and its result is dropped. (One timer and no promise race: this runs for every request.)
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      options.onTimeout?.();
      void reply.code(503).header('retry-after', '1').type(graphqlMediaType(request.headers.accept)).send(timedOutBody);
    }, timeoutMs);
    let response: HTTPGraphQLResponse;
    try {
      response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => options.context(request, reply) });
    } catch (err) {
      if (timedOut) return reply;
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) return reply;

    // Answered in time: work it started after this (none, normally) is not bound by its deadline.
    if (stats) stats.deadline = undefined;
    for (const [key, value] of response.headers) void reply.header(key, value);
    void reply.code(response.status ?? 200);
    if (response.body.kind === 'complete') {
      if (response.status === 400 && wellFormedRequestError(response.headers.get('content-type'), response.body.string))
        void reply.code(200);
      return response.body.string;
    }
    return reply.send(Readable.from(response.body.asyncIterator));
  };
}
