import { HeaderMap, type BaseContext, type GraphQLRequestContextDidEncounterErrors } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable } from '../db/pg-errors.js';
import { ERROR_CODES, UnauthenticatedError, type ErrorCode } from '../errors.js';
import { parseLimitError } from './query-limits.js';
import { DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE_MESSAGE } from './unavailable.js';

/** Apollo's request-level codes, folded into our closed set (the original stays in `reason`). */
const REQUEST_ERROR_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
};

/** Automatic persisted queries speak these codes by protocol; clients depend on them verbatim. */
const PROTOCOL_CODES = new Set(['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/** Where a variable coercion error points: `Variable "$input" got invalid value ... at "input.kind"`. */
function fieldOfVariableError(message: string): string | undefined {
  const path = /at "([^"]+)"/.exec(message)?.[1] ?? /^Variable "\$([A-Za-z0-9_]+)"/.exec(message)?.[1];
  if (!path) return undefined;
  // graphql-js writes list indexes as files[0]; our fields read input.files.0 like every other error.
  const base = path.replace(/\[(\d+)\]/g, '.$1');
  // A missing or unknown input field is named by the message, not the path.
  const inner = /Field "([A-Za-z0-9_]+)" (?:of required type|is not defined)/.exec(message)?.[1];
  return inner ? `${base}.${inner}` : base;
}

/**
 * Shapes every error a client sees: our own codes pass through; request errors become BAD_USER_INPUT with
 * a field where one can be named; anything else is INTERNAL_SERVER_ERROR with no internals.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, onInternal: (err: unknown) => void): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = formatted.extensions?.code as string | undefined;
  const { http: _http, stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
  if (code && PROTOCOL_CODES.has(code)) return { ...formatted, extensions };
  if (code === 'GRAPHQL_PARSE_FAILED') {
    const tooBig = parseLimitError(formatted.message);
    if (tooBig) return { message: tooBig.message, extensions: tooBig.extensions };
  }
  // Apollo refuses some requests (a bad persisted query version or hash) with a 4xx status and no code.
  const status = original instanceof GraphQLError ? (original.extensions.http as { status?: number } | undefined)?.status : undefined;
  if (original instanceof GraphQLError && original.extensions.code === undefined && status && status >= 400 && status < 500) {
    const field = /persisted|sha/i.test(original.message) ? 'extensions.persistedQuery' : 'query';
    return { message: formatted.message, extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST', field } };
  }
  if (original instanceof GraphQLError && code && (ERROR_CODES as string[]).includes(code) && code !== 'INTERNAL_SERVER_ERROR') {
    if (code === 'BAD_USER_INPUT' && extensions.field === undefined) {
      const field = fieldOfVariableError(formatted.message);
      if (field) return { ...formatted, extensions: { ...extensions, field } };
    }
    return { ...formatted, extensions };
  }
  if (code && REQUEST_ERROR_CODES[code] && !(original instanceof Error && !(original instanceof GraphQLError))) {
    const field = fieldOfVariableError(formatted.message) ?? 'query';
    return { ...formatted, extensions: { ...extensions, code: REQUEST_ERROR_CODES[code], reason: code, field } };
  }
  if (isDatabaseUnavailable(original)) {
    // The closed code set has no "unavailable": the code stays INTERNAL_SERVER_ERROR, the HTTP answer is 503 with
    // Retry-After (see `answerDatabaseUnavailable`), and `reason` says the request itself was fine.
    return {
      message: DATABASE_UNAVAILABLE_MESSAGE,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DATABASE_UNAVAILABLE' },
    };
  }
  onInternal(original);
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

const retryAfter = () => new HeaderMap([['retry-after', String(DATABASE_RETRY_AFTER_SECONDS)]]);

/**
 * A GraphQL operation that failed because the database was unreachable or did not answer in time is answered
 * HTTP 503 with Retry-After, whatever else it returned: clients retry on the status, not on the error text. Run from
 * Apollo's `didEncounterErrors` (see `requestChecksPlugin`).
 * @example answerDatabaseUnavailable(requestContext); // in didEncounterErrors
 */
export function answerDatabaseUnavailable<TContext extends BaseContext>({
  errors,
  response,
}: GraphQLRequestContextDidEncounterErrors<TContext>): void {
  if (!errors.some((e) => isDatabaseUnavailable(e))) return;
  response.http.status = 503;
  for (const [name, value] of retryAfter()) response.http.headers.set(name, value);
}

/**
 * For a failure while building a request's context (authenticating its API key): a refused key is HTTP 401 with an
 * RFC 6750 challenge; a database outage becomes a 503 with Retry-After instead of Apollo's 500, never
 * UNAUTHENTICATED; any other error is returned as it is.
 */
export function contextFailure(err: unknown): unknown {
  if (err instanceof UnauthenticatedError) {
    const description = err.message.replace(/["\\]/g, "'");
    const challenge = `Bearer realm="assay", error="invalid_token", error_description="${description}"`;
    return new GraphQLError(err.message, {
      originalError: err,
      extensions: { code: err.code, http: { status: 401, headers: new HeaderMap([['www-authenticate', challenge]]) } },
    });
  }
  if (!isDatabaseUnavailable(err)) return err;
  return new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, {
    originalError: err as Error,
    extensions: { http: { status: 503, headers: retryAfter() } },
  });
}
