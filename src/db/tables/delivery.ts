import { bigint, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { datasetVersions } from './catalog.js';
import type { DenialReason } from '../../delivery/denials.js';

/** An upload slot for one declared file of a draft version; the bytes arrive with PUT /uploads/{id}. */
export const uploads = pgTable(
  'uploads',
  {
    id: text('id').primaryKey(),
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    byteSize: bigint('byte_size', { mode: 'bigint' }).notNull(),
    sha256: text('sha256').notNull(),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [index('uploads_version_idx').on(t.versionId)],
);

/**
 * Bytes held in storage for a version, content-addressed by SHA-256: editing a draft's file list keeps what was
 * already uploaded, and a file is "uploaded" exactly when a blob with its hash and size exists.
 */
export const storedBlobs = pgTable(
  'stored_blobs',
  {
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id, { onDelete: 'cascade' }),
    sha256: text('sha256').notNull(),
    byteSize: bigint('byte_size', { mode: 'bigint' }).notNull(),
    storageKey: text('storage_key').notNull(),
    storedAt: timestamp('stored_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.sha256] })],
);

/**
 * One served download response: what was actually sent, to whom, under which license and token. Partitioned by month
 * on `served_at` (migration partition_by_month), hence the key includes it; old months go with the usage retention.
 */
export const usageEvents = pgTable(
  'usage_events',
  {
    id: text('id').notNull(),
    licenseId: text('license_id').notNull(),
    tokenId: text('token_id').notNull(),
    organizationId: text('organization_id').notNull(),
    versionId: text('version_id').notNull(),
    filePath: text('file_path').notNull(),
    /** Bytes actually written to the client (less than requested when it hung up). */
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    /** The file's rows when the whole file was sent, else 0. */
    rows: bigint('rows', { mode: 'number' }).notNull(),
    rangeStart: bigint('range_start', { mode: 'number' }),
    rangeEnd: bigint('range_end', { mode: 'number' }),
    status: integer('status').notNull(),
    clientAddress: text('client_address'),
    servedAt: timestamp('served_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.servedAt] }),
    index('usage_events_license_idx').on(t.licenseId, t.servedAt),
    index('usage_events_token_idx').on(t.tokenId),
  ],
);

/** A refused download attempt and why, kept for the audit. */
export const accessDenials = pgTable(
  'access_denials',
  {
    id: text('id').primaryKey(),
    status: integer('status').notNull(),
    reason: text('reason').$type<DenialReason>().notNull(),
    licenseId: text('license_id'),
    tokenId: text('token_id'),
    versionId: text('version_id'),
    filePath: text('file_path'),
    clientAddress: text('client_address'),
    deniedAt: timestamp('denied_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('access_denials_license_idx').on(t.licenseId, t.deniedAt)],
);
