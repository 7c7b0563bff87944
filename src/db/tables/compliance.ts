import { boolean, integer, pgEnum, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { datasetVersions } from './catalog.js';

export const optOutSignal = pgEnum('opt_out_signal', ['ROBOTS_TXT', 'TDMREP', 'AI_PREFERENCES']);

/**
 * What a vendor read of a site's opt-out signals when collecting a web-scraped REAL version, recorded at publish and
 * never written again (the version is immutable from then on).
 */
export const optOutEvidence = pgTable(
  'opt_out_evidence',
  {
    versionId: text('version_id')
      .notNull()
      .references(() => datasetVersions.id),
    position: integer('position').notNull(),
    signal: optOutSignal('signal').notNull(),
    url: text('url').notNull(),
    value: text('value').notNull(),
    /** Whether the signal reserved text-and-data-mining or AI-training rights. */
    reserved: boolean('reserved').notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true }).notNull(),
    /** SHA-256 (hex) of the bytes read (the robots.txt file, the TDMRep document or header, the preference signal). */
    sha256: text('sha256').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ name: 'opt_out_evidence_pkey', columns: [t.versionId, t.position] })],
);
