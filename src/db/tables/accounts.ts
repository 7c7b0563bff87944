import { sql } from 'drizzle-orm';
import { check, index, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const organizationKind = pgEnum('organization_kind', ['VENDOR', 'BUYER']);
export const vendorStatus = pgEnum('vendor_status', ['PENDING', 'APPROVED', 'SUSPENDED']);
export const orgRole = pgEnum('org_role', ['OWNER', 'MEMBER']);
export const platformRole = pgEnum('platform_role', ['ADMIN', 'AUDITOR']);

export const organizations = pgTable(
  'organizations',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    kind: organizationKind('kind').notNull(),
    /** Only vendors have one; a vendor publishes only once APPROVED. */
    vendorStatus: vendorStatus('vendor_status'),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('organizations_slug_key').on(t.slug),
    check('organizations_vendor_status_check', sql`(${t.kind} = 'VENDOR') = (${t.vendorStatus} IS NOT NULL)`),
  ],
);

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    organizationId: text('organization_id').references(() => organizations.id),
    orgRole: orgRole('org_role'),
    platformRole: platformRole('platform_role'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    index('users_organization_idx').on(t.organizationId),
    check('users_org_role_check', sql`(${t.organizationId} IS NULL) = (${t.orgRole} IS NULL)`),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    /** The first characters of the secret, to recognise a key in a list. */
    secretPrefix: text('secret_prefix').notNull(),
    /** SHA-256 of the secret; the secret itself is never stored. */
    secretHash: text('secret_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_secret_hash_key').on(t.secretHash), index('api_keys_user_idx').on(t.userId)],
);
