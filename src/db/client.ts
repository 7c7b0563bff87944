import { AsyncLocalStorage } from 'node:async_hooks';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as tables from './tables/index.js';

export type Db = NodePgDatabase<typeof tables>;
/** Either the pool-backed database or an open transaction; stores accept both. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

/** Counts the SQL statements issued while serving one request (exposed to tests and the benchmark). */
export interface QueryStats {
  statements: number;
}
export const queryStats = new AsyncLocalStorage<QueryStats>();

export interface Database {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

/**
 * Opens a pool and a drizzle database on it.
 * @example const database = openDatabase('postgres://...'); await database.close();
 */
export function openDatabase(url: string, options: { max?: number; statementTimeoutMs?: number } = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    application_name: 'assay',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, {
    schema: tables,
    logger: {
      logQuery() {
        const stats = queryStats.getStore();
        if (stats) stats.statements++;
      },
    },
  });
  return { pool, db, close: () => pool.end() };
}
