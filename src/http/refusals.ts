import type { FastifyReply } from 'fastify';
import type { WebhookOutcome } from '../billing/service.js';
import type { Denial } from '../delivery/download-gate.js';
import type { DenialReason } from '../delivery/denials.js';
import type { UploadFailure } from '../delivery/uploads-service.js';
import { UnreachableCaseError } from '../errors.js';
import { sendServiceUnavailable } from './unavailable.js';

/**
 * The one place where the domain's closed vocabularies (download denials, upload failures, webhook outcomes)
 * become HTTP statuses and headers. Every refusal body is `{ error, code, message, ... }`: `code` (and `error`, its
 * older name) is the stable machine-readable reason, `message` is for people.
 */

/** RFC 6750 §3.1: what a refused bearer token tells a generic client (refresh on invalid_token, not on the rest). */
type BearerChallenge = 'none' | 'invalid_token' | 'insufficient_scope' | undefined;

function denialAnswer(reason: DenialReason): { status: 400 | 401 | 402 | 403 | 404; challenge: BearerChallenge } {
  switch (reason) {
    case 'BAD_PATH':
      return { status: 400, challenge: undefined };
    case 'MISSING_TOKEN':
      // No credentials at all: a challenge without an error code (RFC 6750 §3.1).
      return { status: 401, challenge: 'none' };
    case 'MALFORMED':
    case 'UNKNOWN_KEY':
    case 'BAD_SIGNATURE':
    case 'BAD_ALGORITHM':
    case 'BAD_ISSUER':
    case 'BAD_AUDIENCE':
    case 'EXPIRED':
    case 'BAD_CLAIMS':
    case 'UNKNOWN_TOKEN':
    case 'TOKEN_REVOKED':
      return { status: 401, challenge: 'invalid_token' };
    case 'VERSION_NOT_COVERED':
    case 'SCOPE_MISSING':
      return { status: 403, challenge: 'insufficient_scope' };
    case 'LICENSE_NOT_ACTIVE':
    case 'DATASET_SUSPENDED':
    case 'VERSION_RETRACTED':
      // The token is fine; a new one would be refused the same way, so no challenge.
      return { status: 403, challenge: undefined };
    case 'FILE_NOT_FOUND':
      return { status: 404, challenge: undefined };
    case 'USAGE_CAP_REACHED':
      return { status: 402, challenge: undefined };
    default:
      throw new UnreachableCaseError(reason);
  }
}

/** The HTTP status a download denial is answered with (also recorded with the denial in the audit trail). */
export function denialStatus(reason: DenialReason): 400 | 401 | 402 | 403 | 404 {
  return denialAnswer(reason).status;
}

/** An RFC 6750 quoted-string may hold only visible ASCII without `"` and `\`. */
const quoted = (text: string) => text.replace(/[^\x20-\x7e]|["\\]/g, "'");

/**
 * Answers a refused download: its status, the RFC 6750 `WWW-Authenticate` challenge for token problems,
 * `Retry-After` (seconds until the period resets) for a cap refusal, and the JSON body.
 */
export function sendDenial(reply: FastifyReply, denial: Denial, now: Date): FastifyReply {
  const { status, challenge } = denialAnswer(denial.reason);
  if (challenge === 'none') reply.header('www-authenticate', 'Bearer realm="assay-data"');
  else if (challenge) {
    const scope = denial.reason === 'SCOPE_MISSING' ? ', scope="data:read"' : '';
    reply.header(
      'www-authenticate',
      `Bearer realm="assay-data", error="${challenge}", error_description="${quoted(denial.message)}"${scope}`,
    );
  }
  if (denial.cap) {
    const seconds = Math.max(1, Math.ceil((Date.parse(denial.cap.resetsAt) - now.getTime()) / 1000));
    reply.header('retry-after', String(seconds));
  }
  return reply.code(status).send({ error: denial.reason, code: denial.reason, message: denial.message, ...denial.cap });
}

/** The HTTP status of a refused `PUT /uploads/{id}`. */
export function uploadFailureStatus(code: UploadFailure['code']): 400 | 401 | 403 | 404 | 409 | 410 | 413 | 503 {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'NOT_FOUND':
      return 404;
    case 'UPLOAD_EXPIRED':
      return 410;
    case 'FORBIDDEN':
      return 403;
    case 'CONFLICT':
      return 409;
    case 'SIZE_MISMATCH':
    case 'HASH_MISMATCH':
    case 'ABORTED':
      return 400;
    case 'TOO_LARGE':
    case 'QUOTA_EXCEEDED':
      return 413;
    case 'STORE_UNAVAILABLE':
      return 503;
    default:
      throw new UnreachableCaseError(code);
  }
}

/** Answers a refused upload; its body is left unread, so the connection closes after the answer. */
export function sendUploadFailure(reply: FastifyReply, failure: UploadFailure): FastifyReply {
  if (failure.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer realm="assay"');
  // The same answer as any outage: 503 with Retry-After, code SERVICE_UNAVAILABLE.
  if (failure.code === 'STORE_UNAVAILABLE') return sendServiceUnavailable(reply, failure.message);
  return sendRefusal(reply, uploadFailureStatus(failure.code), failure.code, failure.message);
}

/** The answer to one Stripe webhook delivery. */
export function sendWebhookOutcome(reply: FastifyReply, outcome: WebhookOutcome): FastifyReply {
  switch (outcome.kind) {
    case 'RECEIVED':
      return reply.code(200).send({ received: true, duplicate: outcome.duplicate, handled: outcome.handled });
    case 'LOCAL_BILLING':
      return sendRefusal(reply, 404, 'NOT_FOUND', outcome.message);
    case 'BAD_SIGNATURE':
      return sendRefusal(reply, 400, 'BAD_SIGNATURE', outcome.message);
    default:
      throw new UnreachableCaseError(outcome);
  }
}

/** A refusal of a plain HTTP route: `{ error, code, message }` with `code` the stable reason. */
export function sendRefusal(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: code, code, message });
}

/** 401 for a plain route that takes an API key: a challenge, with `invalid_token` when a key was shown and refused. */
export function sendUnauthenticated(reply: FastifyReply, presented: boolean): FastifyReply {
  const challenge = presented
    ? 'Bearer realm="assay", error="invalid_token", error_description="Invalid, expired or revoked API key"'
    : 'Bearer realm="assay"';
  return sendRefusal(
    reply.header('www-authenticate', challenge),
    401,
    'UNAUTHENTICATED',
    'Send Authorization: Bearer <API key> with a valid key',
  );
}
