import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

const MIGRATION_LOCK = 727_190_001;

/**
 * Applies pending migrations; concurrent starts serialize on an advisory lock.
 * @example await migrateDatabase(pool);
 */
export async function migrateDatabase(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** The newest migration this build ships (the last entry of drizzle's journal); drizzle records it by `when`. */
function shippedMigration(): { tag: string; when: number } {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  return journal.entries.at(-1)!;
}

let shipped: { tag: string; when: number } | undefined;

export interface MigrationStatus {
  /** The newest migration this build ships has been applied (newer ones, from a newer build, may be too). */
  applied: boolean;
  /** That migration's tag, e.g. `0008_retracted_versions_index`. */
  expected: string;
}

/**
 * Whether the database has this build's migrations; a database never migrated answers `applied: false`, an
 * unreachable one rejects.
 * @example const { applied } = await migrationStatus(pool);
 */
export async function migrationStatus(pool: pg.Pool): Promise<MigrationStatus> {
  shipped ??= shippedMigration();
  try {
    const { rows } = await pool.query<{ found: boolean }>(
      /* migrationStatus */ 'SELECT EXISTS (SELECT 1 FROM drizzle.__drizzle_migrations WHERE created_at = $1) AS found',
      [shipped.when],
    );
    return { applied: rows[0]!.found, expected: shipped.tag };
  } catch (err) {
    // No migrations table (or schema) yet: reachable, but not migrated.
    if (['42P01', '3F000'].includes((err as { code?: string }).code ?? '')) return { applied: false, expected: shipped.tag };
    throw err;
  }
}
