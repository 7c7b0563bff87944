import { createHash, randomBytes } from 'node:crypto';

/**
 * A new API key secret: `ak_` and 32 random bytes, base64url. Shown once, stored only as its hash.
 * @example const secret = newApiKeySecret(); store(hashApiKeySecret(secret));
 */
export function newApiKeySecret(): string {
  return `ak_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 is enough for a 256-bit random secret: there is nothing to brute-force that a slow hash would protect. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What a key list shows to recognise a key without revealing it. */
export function apiKeySecretPrefix(secret: string): string {
  return secret.slice(0, 10);
}

const SECRET_SHAPE = /^ak_[A-Za-z0-9_-]{20,200}$/;
export function looksLikeApiKeySecret(value: string): boolean {
  return SECRET_SHAPE.test(value);
}
