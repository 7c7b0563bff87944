import { SignJWT, errors as joseErrors, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import { TOKEN_ALGORITHM } from './signing-keys.js';

export const TOKEN_ISSUER = 'assay';
export const TOKEN_AUDIENCE = 'assay-data';
/** Every version the license covers (LATEST/PINNED licenses cover a fixed list; ALL covers each published one). */
export const ALL_LICENSED_VERSIONS = '*';

export const SCOPES = ['data:read', 'metadata:read'] as const;
export type Scope = (typeof SCOPES)[number];

export interface AccessClaims {
  jti: string;
  sub: string;
  lic: string;
  ds: string;
  ver: string[];
  scope: string;
}

/**
 * Signs an access token: EdDSA with `kid`, `iss`/`aud`/`sub`/`iat`/`exp`/`jti`, the license and versions in claims.
 * @example const jwt = await signAccessToken(claims, { kid, privateKey }, now, expiresAt);
 */
export async function signAccessToken(
  claims: AccessClaims,
  key: { kid: string; privateKey: CryptoKey },
  issuedAt: Date,
  expiresAt: Date,
): Promise<string> {
  const { jti, sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(sub)
    .setJti(jti)
    .setIssuedAt(Math.floor(issuedAt.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key.privateKey);
}

export type VerifyFailure =
  'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'BAD_ALGORITHM' | 'BAD_ISSUER' | 'BAD_AUDIENCE' | 'EXPIRED' | 'BAD_CLAIMS';

/**
 * Verifies a token offline: the algorithm is pinned to EdDSA (so `alg: none` and HS256-with-the-public-key fail),
 * the key comes from our ring by `kid`, and issuer, audience and expiry are checked against the injected clock.
 */
export async function verifyAccessToken(
  token: string,
  keyFor: (kid: string) => Promise<CryptoKey | undefined>,
  now: Date,
): Promise<{ ok: true; claims: AccessClaims; exp: number } | { ok: false; failure: VerifyFailure }> {
  let unknownKey = false;
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        if (header.alg !== TOKEN_ALGORITHM) throw new joseErrors.JOSEAlgNotAllowed('algorithm not allowed');
        const key = header.kid ? await keyFor(header.kid) : undefined;
        if (!key) {
          unknownKey = true;
          throw new joseErrors.JWKSNoMatchingKey();
        }
        return key;
      },
      {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        currentDate: now,
        requiredClaims: ['jti', 'sub', 'exp', 'iat'],
      },
    );
    const claims = toClaims(payload);
    return claims ? { ok: true, claims, exp: payload.exp! } : { ok: false, failure: 'BAD_CLAIMS' };
  } catch (err) {
    if (unknownKey) return { ok: false, failure: 'UNKNOWN_KEY' };
    // Only jose's own errors are verdicts on the token; failing to look its key up (the database is away) is ours,
    // and must not tell a client to throw a good token away.
    if (!(err instanceof joseErrors.JOSEError)) throw err;
    const code = (err as { code?: string }).code;
    switch (code) {
      case 'ERR_JWT_EXPIRED':
        return { ok: false, failure: 'EXPIRED' };
      case 'ERR_JOSE_ALG_NOT_ALLOWED':
        return { ok: false, failure: 'BAD_ALGORITHM' };
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return { ok: false, failure: 'BAD_SIGNATURE' };
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
        const claim = (err as { claim?: string }).claim;
        return { ok: false, failure: claim === 'iss' ? 'BAD_ISSUER' : claim === 'aud' ? 'BAD_AUDIENCE' : 'BAD_CLAIMS' };
      }
      default:
        return { ok: false, failure: 'MALFORMED' };
    }
  }
}

function toClaims(p: JWTPayload): AccessClaims | undefined {
  const { jti, sub, lic, ds, ver, scope } = p as Record<string, unknown>;
  if (typeof jti !== 'string' || typeof sub !== 'string' || typeof lic !== 'string' || typeof ds !== 'string') return undefined;
  if (!Array.isArray(ver) || !ver.every((v) => typeof v === 'string') || typeof scope !== 'string') return undefined;
  return { jti, sub, lic, ds, ver: ver as string[], scope };
}

/** Whether the license is in force at `now`: ACTIVE and inside its term. */
export function licenseInForce(license: Pick<LicenseRow, 'status' | 'expiresAt' | 'startsAt'>, now: Date): boolean {
  if (license.status !== 'ACTIVE') return false;
  if (license.startsAt && license.startsAt.getTime() > now.getTime()) return false;
  return !license.expiresAt || license.expiresAt.getTime() > now.getTime();
}

/** Whether the license covers a published version of its dataset. */
export function licenseCovers(license: Pick<LicenseRow, 'datasetId' | 'versionIds'>, version: { id: string; datasetId: string }): boolean {
  if (version.datasetId !== license.datasetId) return false;
  return license.versionIds == null || license.versionIds.includes(version.id);
}
