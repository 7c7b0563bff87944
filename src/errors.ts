import { GraphQLError } from 'graphql';

/** The closed set of error codes clients can rely on (see PRODUCT.md). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'PAYMENT_REQUIRED'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'INTERNAL_SERVER_ERROR';

export const ERROR_CODES: readonly ErrorCode[] = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'PAYMENT_REQUIRED',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'INTERNAL_SERVER_ERROR',
];

function errorClass(code: ErrorCode) {
  return class extends GraphQLError {
    readonly code = code;
    constructor(message: string, extensions: Record<string, unknown> = {}) {
      super(message, { extensions: { ...extensions, code } });
    }
  };
}

export class UnauthenticatedError extends errorClass('UNAUTHENTICATED') {}
export class ForbiddenError extends errorClass('FORBIDDEN') {}
export class NotFoundError extends errorClass('NOT_FOUND') {}
export class ConflictError extends errorClass('CONFLICT') {}
export class PaymentRequiredError extends errorClass('PAYMENT_REQUIRED') {}
export class RateLimitedError extends errorClass('RATE_LIMITED') {}
export class QueryTooComplexError extends errorClass('QUERY_TOO_COMPLEX') {}

/**
 * A rejected input; `field` is the path of the offending input field, e.g. `input.title`; `extensions` adds what a
 * client can act on (e.g. every missing file's field).
 */
export class BadUserInputError extends GraphQLError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(
    message: string,
    readonly field: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code: 'BAD_USER_INPUT', field } });
  }
}

/** Makes a `switch` over a union exhaustive: a new member breaks the build, not production. */
export class UnreachableCaseError extends Error {
  constructor(value: never) {
    super(`Unreachable case: ${JSON.stringify(value)}`);
  }
}
