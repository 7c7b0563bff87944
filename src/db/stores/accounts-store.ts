import DataLoader from 'dataloader';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../../accounts/viewer.js';
import type { DbOrTx } from '../client.js';
import { byKey, PrimedLoader } from './batch.js';
import { apiKeys, organizations, users } from '../tables/index.js';

export type OrganizationRow = typeof organizations.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Data access for organizations, users and API keys; one instance per request (its loaders cache for that request). */
export class AccountsStore {
  constructor(private readonly db: DbOrTx) {}

  readonly organizationById = new PrimedLoader<string, OrganizationRow | undefined>(async (ids) =>
    byKey(
      ids,
      await this.db
        .select()
        .from(organizations)
        .where(inArray(organizations.id, [...ids])),
      (r) => r.id,
    ),
  );

  readonly userById = new DataLoader<string, UserRow | undefined>(async (ids) =>
    byKey(
      ids,
      await this.db
        .select()
        .from(users)
        .where(inArray(users.id, [...ids])),
      (r) => r.id,
    ),
  );

  /** Resolves a live API key's hash to its caller, in one statement. */
  async principalForKeyHash(secretHash: string, now: Date): Promise<(Principal & { lastUsedAt: Date | null }) | undefined> {
    const [row] = await this.db
      .select({
        apiKeyId: apiKeys.id,
        lastUsedAt: apiKeys.lastUsedAt,
        userId: users.id,
        organizationId: users.organizationId,
        orgRole: users.orgRole,
        platformRole: users.platformRole,
        organizationKind: organizations.kind,
        vendorStatus: organizations.vendorStatus,
      })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .leftJoin(organizations, eq(organizations.id, users.organizationId))
      .where(
        and(
          eq(apiKeys.secretHash, secretHash),
          isNull(apiKeys.revokedAt),
          sql`(${apiKeys.expiresAt} IS NULL OR ${apiKeys.expiresAt} > ${now.toISOString()})`,
        ),
      )
      .limit(1);
    return row;
  }

  async touchApiKey(id: string, now: Date): Promise<void> {
    await this.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
  }

  async organizationBySlug(slug: string): Promise<OrganizationRow | undefined> {
    const [row] = await this.db.select().from(organizations).where(eq(organizations.slug, slug)).limit(1);
    return row;
  }

  async insertOrganization(row: typeof organizations.$inferInsert): Promise<OrganizationRow> {
    const [created] = await this.db.insert(organizations).values(row).returning();
    return created!;
  }

  async updateOrganization(id: string, patch: Partial<typeof organizations.$inferInsert>): Promise<OrganizationRow> {
    const [updated] = await this.db.update(organizations).set(patch).where(eq(organizations.id, id)).returning();
    return updated!;
  }

  async userByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${email})`)
      .limit(1);
    return row;
  }

  async insertUser(row: typeof users.$inferInsert): Promise<UserRow> {
    const [created] = await this.db.insert(users).values(row).returning();
    return created!;
  }

  async membersOf(organizationId: string): Promise<UserRow[]> {
    return this.db.select().from(users).where(eq(users.organizationId, organizationId)).orderBy(users.createdAt, users.id);
  }

  async anyOrganization(): Promise<OrganizationRow | undefined> {
    const [row] = await this.db.select().from(organizations).limit(1);
    return row;
  }

  async anyAdmin(): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.platformRole, 'ADMIN')).limit(1);
    return row;
  }

  async insertApiKey(row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
    const [created] = await this.db.insert(apiKeys).values(row).returning();
    return created!;
  }

  async apiKeyById(id: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
    return row;
  }

  async apiKeyByHash(secretHash: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.secretHash, secretHash)).limit(1);
    return row;
  }

  async apiKeysOfUser(userId: string): Promise<ApiKeyRow[]> {
    return this.db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(apiKeys.createdAt, apiKeys.id);
  }

  /** Revokes a key once; returns undefined when it was already revoked. */
  async revokeApiKey(id: string, now: Date): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning();
    return row;
  }
}
