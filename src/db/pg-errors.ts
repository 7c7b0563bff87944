/** True when `err` (or its cause, as drizzle wraps driver errors) is a PostgreSQL unique violation, optionally on one constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return constraint === undefined || e.constraint === constraint;
  }
  return false;
}

/** SQLSTATEs that mean the server is going away or not accepting work, not that the statement was wrong. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors on the way to or from the database. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres and pg-pool say these without a code: a lost connection, a client-side timeout, a pool that is closing. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // unexpectedly, or "due to connection timeout"
  /^timeout exceeded when trying to connect$/, // pg-pool: no connection within connectionTimeoutMillis
  /^Query read timeout$/, // pg: query_timeout
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
];

/**
 * True when `err` (or anything in its `cause` / `originalError` chain: drizzle and GraphQL wrap driver errors) says
 * the database could not be reached or did not answer in time: refused, reset or terminated connections (57P01
 * admin shutdown, 57P02 crash, 57P03 starting up, 08xxx), too many connections, the pool's connect timeout and the
 * client-side query timeout. Such a failure is the service's, never the request's: it is answered 503 with
 * Retry-After, never as a bad token, bad request or internal error.
 * @example if (isDatabaseUnavailable(err)) return reply.code(503).header('retry-after', '2').send(...);
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  type Chain = { code?: unknown; message?: unknown; cause?: unknown; originalError?: unknown };
  for (
    let e = err as Chain | undefined;
    e && typeof e === 'object' && !seen.has(e);
    e = (e.originalError ?? e.cause) as Chain | undefined
  ) {
    seen.add(e);
    if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATES.has(e.code) || e.code.startsWith('08') || UNAVAILABLE_ERRNOS.has(e.code)))
      return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(e.message as string))) return true;
  }
  return false;
}

/** Raised instead of running a statement for a request past its deadline; the client has had its 503 already. */
export class RequestDeadlineExceededError extends Error {
  constructor() {
    super('The request passed its deadline; statement not run');
    this.name = 'RequestDeadlineExceededError';
  }
}
