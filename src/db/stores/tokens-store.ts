import { and, desc, gt, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { signingKeys } from '../tables/index.js';

export type SigningKeyRow = typeof signingKeys.$inferSelect;

const SIGNING_KEY_LOCK = 727_190_010;

/** Data access for signing keys (and, with licenses, access tokens). */
export class TokensStore {
  constructor(private readonly db: DbOrTx) {}

  /** Keys that may still verify a token: the current ones and those retired after `retiredSince`. */
  async verifiableKeys(retiredSince: Date): Promise<SigningKeyRow[]> {
    return this.db
      .select()
      .from(signingKeys)
      .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, retiredSince)))
      // The current key first, then the most recently retired.
      .orderBy(sql`${signingKeys.retiredAt} IS NOT NULL`, desc(signingKeys.retiredAt), desc(signingKeys.createdAt));
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
}
