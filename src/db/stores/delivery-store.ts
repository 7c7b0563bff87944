import DataLoader from 'dataloader';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { storedBlobs, uploads } from '../tables/index.js';

export type UploadRow = typeof uploads.$inferSelect;
export type StoredBlobRow = typeof storedBlobs.$inferSelect;

/** Data access for uploads and stored bytes. */
export class DeliveryStore {
  constructor(private readonly db: DbOrTx) {}

  /** The blobs stored for each version, keyed by SHA-256. */
  readonly blobsByVersionId = new DataLoader<string, Map<string, StoredBlobRow>>(async (ids) => {
    const rows = await this.db.select().from(storedBlobs).where(inArray(storedBlobs.versionId, [...ids]));
    return ids.map((id) => new Map(rows.filter((r) => r.versionId === id).map((r) => [r.sha256, r])));
  });

  async insertUpload(row: typeof uploads.$inferInsert): Promise<UploadRow> {
    const [created] = await this.db.insert(uploads).values(row).returning();
    return created!;
  }

  async uploadById(id: string): Promise<UploadRow | undefined> {
    const [row] = await this.db.select().from(uploads).where(eq(uploads.id, id)).limit(1);
    return row;
  }

  /** Records stored bytes; storing the same content twice is a no-op. */
  async recordBlob(row: typeof storedBlobs.$inferInsert): Promise<void> {
    await this.db.insert(storedBlobs).values(row).onConflictDoNothing();
  }

  async completeUpload(id: string, now: Date): Promise<void> {
    await this.db
      .update(uploads)
      .set({ completedAt: sql`coalesce(${uploads.completedAt}, ${now.toISOString()}::timestamptz)` })
      .where(and(eq(uploads.id, id)));
  }
}
