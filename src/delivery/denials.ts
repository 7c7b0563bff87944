import type { VerifyFailure } from '../tokens/access-tokens.js';

/**
 * Why a download was refused: a closed set. The gate decides one, the usage report counts them and
 * `src/http/refusals.ts` is the one place that turns each into an HTTP status.
 */
export type DenialReason =
  /** No `Authorization: Bearer` header at all. */
  | 'MISSING_TOKEN'
  /** The token failed verification (shape, signature, algorithm, issuer, audience, expiry, signing key). */
  | VerifyFailure
  /** Signed by us, but no such token or license (its rows are gone). */
  | 'UNKNOWN_TOKEN'
  | 'TOKEN_REVOKED'
  | 'LICENSE_NOT_ACTIVE'
  | 'DATASET_SUSPENDED'
  | 'VERSION_NOT_COVERED'
  | 'VERSION_RETRACTED'
  | 'SCOPE_MISSING'
  | 'FILE_NOT_FOUND'
  | 'USAGE_CAP_REACHED'
  /** The file path is not a relative path inside the version (checked before the token). */
  | 'BAD_PATH';

/** Every denial reason, in the order the gate checks them; the GraphQL enum `DownloadDenialReason` lists the same. */
export const DENIAL_REASONS = [
  'BAD_PATH',
  'MISSING_TOKEN',
  'MALFORMED',
  'UNKNOWN_KEY',
  'BAD_SIGNATURE',
  'BAD_ALGORITHM',
  'BAD_ISSUER',
  'BAD_AUDIENCE',
  'EXPIRED',
  'BAD_CLAIMS',
  'UNKNOWN_TOKEN',
  'TOKEN_REVOKED',
  'LICENSE_NOT_ACTIVE',
  'DATASET_SUSPENDED',
  'VERSION_NOT_COVERED',
  'VERSION_RETRACTED',
  'SCOPE_MISSING',
  'FILE_NOT_FOUND',
  'USAGE_CAP_REACHED',
] as const satisfies readonly DenialReason[];

// A reason missing from the list above fails to compile here.
type Missing = Exclude<DenialReason, (typeof DENIAL_REASONS)[number]>;
const _allListed: Missing extends never ? true : Missing = true;
void _allListed;

/** Reasons that say the license was not (or no longer) usable: a buyer kept trying after access ended. */
export const INACTIVE_LICENSE_REASONS: readonly DenialReason[] = ['LICENSE_NOT_ACTIVE', 'TOKEN_REVOKED'];

/** What a cap refusal tells the client, so it can wait for the reset or ask for a smaller Range. */
export interface CapState {
  usageUnit: string;
  usageCap: number;
  /** Units used this period so far (stored, buffered and in flight). */
  used: number;
  /** Units this response would have added. */
  requested: number;
  /** Units left this period. */
  remaining: number;
  /** When the period resets (ISO 8601). */
  resetsAt: string;
}
