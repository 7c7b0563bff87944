import type { FastifyReply } from 'fastify';

/** What `Retry-After` says when the database is away: long enough not to hammer it, short enough for a failover. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * Answers 503 with `Retry-After` and `{ error, code: "SERVICE_UNAVAILABLE", message }`: the request was fine and
 * may be sent again as it is; the service could not handle it now (the database is unreachable, or usage cannot be
 * recorded). Clients must not treat it as a verdict on their token or key.
 * @example return sendServiceUnavailable(reply, 'The database is unavailable; try again shortly');
 */
export function sendServiceUnavailable(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(503)
    .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
    .send({ error: 'SERVICE_UNAVAILABLE', code: 'SERVICE_UNAVAILABLE', message });
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable; try again shortly';
