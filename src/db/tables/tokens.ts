import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { organizations, users } from './accounts.js';
import { licenses } from './licensing.js';

/** Token-signing key pairs; the private half is sealed with the server secret (see src/tokens/key-encryption.ts). */
export const signingKeys = pgTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    algorithm: text('algorithm').notNull(),
    publicJwk: jsonb('public_jwk').$type<Record<string, string>>().notNull(),
    sealedPrivateJwk: text('sealed_private_jwk').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by').references(() => users.id),
    /** Set when a newer key takes over; the key still verifies tokens until they have all expired. */
    retiredAt: timestamp('retired_at', { withTimezone: true }),
  },
  (t) => [index('signing_keys_created_idx').on(t.createdAt.desc())],
);

/** A minted access token (the JWT itself is never stored; `id` is its `jti`). */
export const accessTokens = pgTable(
  'access_tokens',
  {
    id: text('id').primaryKey(),
    licenseId: text('license_id')
      .notNull()
      .references(() => licenses.id),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id),
    kid: text('kid').notNull(),
    scopes: text('scopes').array().notNull(),
    versionIds: text('version_ids').array().notNull(),
    description: text('description'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('access_tokens_license_idx').on(t.licenseId, t.id), index('access_tokens_org_idx').on(t.organizationId, t.id)],
);
