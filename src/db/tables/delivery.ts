import { bigint, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from './accounts.js';
import { datasetVersions } from './catalog.js';

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
