import { and, desc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { accessTokens, signingKeys } from '../tables/index.js';
import type { TenantScope } from '../../accounts/viewer.js';
import { tenantWhere } from './tenant.js';

export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type AccessTokenRow = typeof accessTokens.$inferSelect;

const SIGNING_KEY_LOCK = 727_190_010;

/** Data access for signing keys (and, with licenses, access tokens). */
export class TokensStore {
  constructor(private readonly db: DbOrTx) {}

  /** Keys that may still verify a token: the current ones and those retired after `retiredSince`. */
  async verifiableKeys(retiredSince: Date): Promise<SigningKeyRow[]> {
    return (
      this.db
        .select()
        .from(signingKeys)
        .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, retiredSince)))
        // The current key first, then the most recently retired.
        .orderBy(sql`${signingKeys.retiredAt} IS NOT NULL`, desc(signingKeys.retiredAt), desc(signingKeys.createdAt))
    );
  }

  /** Serializes key creation and rotation across processes (transaction-scoped). */
  async lockSigningKeys(): Promise<void> {
    await this.db.execute(sql`SELECT pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`);
  }

  async currentKey(): Promise<SigningKeyRow | undefined> {
    const [row] = await this.db
      .select()
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt))
      .orderBy(desc(signingKeys.createdAt), desc(signingKeys.kid))
      .limit(1);
    return row;
  }

  async insertKey(row: typeof signingKeys.$inferInsert): Promise<SigningKeyRow> {
    const [created] = await this.db.insert(signingKeys).values(row).returning();
    return created!;
  }

  async retireKeysExcept(kid: string, now: Date): Promise<void> {
    await this.db
      .update(signingKeys)
      .set({ retiredAt: now })
      .where(and(isNull(signingKeys.retiredAt), sql`${signingKeys.kid} <> ${kid}`));
  }

  async insertAccessToken(row: typeof accessTokens.$inferInsert): Promise<AccessTokenRow> {
    const [created] = await this.db.insert(accessTokens).values(row).returning();
    return created!;
  }

  /** The token when the scope may see it (its organization's members, staff). */
  async accessToken(scope: TenantScope, id: string): Promise<AccessTokenRow | undefined> {
    const [row] = await this.db
      .select()
      .from(accessTokens)
      .where(and(tenantWhere(scope, accessTokens.organizationId), eq(accessTokens.id, id)))
      .limit(1);
    return row;
  }

  /** Any token by its id (the `jti`): what the download gate checks a presented token against. */
  async accessTokenById(id: string): Promise<AccessTokenRow | undefined> {
    const [row] = await this.db.select().from(accessTokens).where(eq(accessTokens.id, id)).limit(1);
    return row;
  }

  /** The scope's tokens (optionally of one license), newest first, keyset-paged by ID. */
  async listAccessTokens(
    scope: TenantScope,
    licenseId: string | undefined,
    afterId: string | undefined,
    limit: number,
  ): Promise<AccessTokenRow[]> {
    return this.db
      .select()
      .from(accessTokens)
      .where(
        and(
          tenantWhere(scope, accessTokens.organizationId),
          licenseId ? eq(accessTokens.licenseId, licenseId) : undefined,
          afterId ? lt(accessTokens.id, afterId) : undefined,
        ),
      )
      .orderBy(desc(accessTokens.id))
      .limit(limit + 1);
  }

  async countAccessTokens(scope: TenantScope, licenseId: string | undefined): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(accessTokens)
      .where(and(tenantWhere(scope, accessTokens.organizationId), licenseId ? eq(accessTokens.licenseId, licenseId) : undefined));
    return row!.n;
  }

  async revokeAccessToken(id: string, now: Date): Promise<AccessTokenRow | undefined> {
    const [row] = await this.db
      .update(accessTokens)
      .set({ revokedAt: now })
      .where(and(eq(accessTokens.id, id), isNull(accessTokens.revokedAt)))
      .returning();
    return row;
  }

  /** Every key's public half by kid, however old (audit checkpoints may be signed by long-retired keys). */
  async publicKeys(kids: string[]): Promise<Pick<SigningKeyRow, 'kid' | 'publicJwk'>[]> {
    if (kids.length === 0) return [];
    return this.db
      .select({ kid: signingKeys.kid, publicJwk: signingKeys.publicJwk })
      .from(signingKeys)
      .where(inArray(signingKeys.kid, kids));
  }
}
