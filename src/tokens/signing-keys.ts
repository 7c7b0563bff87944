import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { Stores } from '../db/stores/index.js';
import type { SigningKeyRow } from '../db/stores/tokens-store.js';
import { openPrivateKey, sealPrivateKey } from './key-encryption.js';

/** The only algorithm we sign with and accept; pinned so `alg: none` or HS256 confusion cannot get in. */
export const TOKEN_ALGORITHM = 'EdDSA';
/** Access tokens live at most this long, so a retired key must stay published at least this long. */
export const MAX_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** How long this process trusts its cached view of the key table (another process may have rotated). */
const REFRESH_MS = 10_000;

export interface ActiveSigningKey {
  kid: string;
  privateKey: CryptoKey;
}

/**
 * The process-wide key ring: signs with the newest key, publishes every key that may still verify a token,
 * and caches both so signing and verification do not read the database per token.
 * @example const { kid, privateKey } = await ring.current(); const jwks = await ring.jwks();
 */
export class SigningKeyRing {
  private cache: { at: number; keys: SigningKeyRow[]; active?: ActiveSigningKey; publicKeys: Map<string, CryptoKey> } | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly secret: string,
    private readonly clock: Clock,
  ) {}

  /** The key new tokens are signed with; the first call on an empty database creates one. */
  async current(): Promise<ActiveSigningKey> {
    await this.fresh();
    if (!this.cache!.active) {
      await this.create(undefined, false);
      await this.reload();
    }
    return this.cache!.active!;
  }

  /** The public JWKS: the current key and retired keys whose tokens may not have expired yet. */
  async jwks(): Promise<JSONWebKeySet> {
    await this.fresh();
    return {
      keys: this.cache!.keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: TOKEN_ALGORITHM, use: 'sig' }) as JWK),
    };
  }

  /** The public key for `kid`, reloading once when it is unknown (it may have been rotated in by another process). */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    await this.fresh();
    const known = this.cache!.publicKeys.get(kid);
    if (known || this.clock.now().getTime() - this.cache!.at < 1000) return known;
    await this.reload();
    return this.cache!.publicKeys.get(kid);
  }

  /** Starts a new signing key; older keys keep verifying until every token they signed has expired. */
  async rotate(actorUserId: string): Promise<SigningKeyRow> {
    const row = await this.create(actorUserId, true);
    await this.reload();
    return row;
  }

  private async create(actorUserId: string | undefined, retireOthers: boolean): Promise<SigningKeyRow> {
    return new Stores(this.db).transaction(async (tx) => {
      await tx.tokens.lockSigningKeys();
      const existing = await tx.tokens.currentKey();
      if (existing && !retireOthers) return existing;
      const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
      const now = this.clock.now();
      const kid = `key_${now.toISOString().slice(0, 10).replace(/-/g, '')}_${randomBytes(6).toString('hex')}`;
      const row = await tx.tokens.insertKey({
        kid,
        algorithm: TOKEN_ALGORITHM,
        publicJwk: (await exportJWK(publicKey)) as Record<string, string>,
        sealedPrivateJwk: sealPrivateKey(this.secret, kid, JSON.stringify(await exportJWK(privateKey))),
        createdAt: now,
        createdBy: actorUserId ?? null,
      });
      if (retireOthers) await tx.tokens.retireKeysExcept(kid, now);
      return row;
    });
  }

  private async fresh(): Promise<void> {
    if (!this.cache || this.clock.now().getTime() - this.cache.at > REFRESH_MS) await this.reload();
  }

  private async reload(): Promise<void> {
    // Concurrent callers share one reload.
    this.loading ??= (async () => {
      const now = this.clock.now();
      const keys = await new Stores(this.db).tokens.verifiableKeys(new Date(now.getTime() - MAX_TOKEN_LIFETIME_MS));
      const publicKeys = new Map<string, CryptoKey>();
      for (const k of keys) publicKeys.set(k.kid, (await importJWK(k.publicJwk, TOKEN_ALGORITHM)) as CryptoKey);
      const newest = keys.find((k) => k.retiredAt === null);
      const active = newest
        ? {
            kid: newest.kid,
            privateKey: (await importJWK(
              JSON.parse(openPrivateKey(this.secret, newest.kid, newest.sealedPrivateJwk)),
              TOKEN_ALGORITHM,
            )) as CryptoKey,
          }
        : undefined;
      this.cache = { at: now.getTime(), keys, active, publicKeys };
    })().finally(() => {
      this.loading = undefined;
    });
    await this.loading;
  }
}
