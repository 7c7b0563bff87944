import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';

// No relational schema: every query goes through a store's query builder or SQL, and a database handle without
// one costs nothing to make per request.
export type Db = NodePgDatabase;
/** Either the pool-backed database or an open transaction; stores accept both. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

/** The SQL statements issued through one request's database handle (exposed to tests and the benchmark). */
export interface QueryStats {
  statements: number;
  /**
   * `performance.now()` after which the request may issue no more SQL (ROLLBACK excepted, so an open
   * transaction still ends cleanly): a request answered 503 for its deadline stops at its next statement.
   */
  deadline?: number | undefined;
}

/** Raised instead of running a statement for a request past its deadline; the client has had its 503 already. */
export class RequestDeadlineExceededError extends Error {
  constructor() {
    super('The request passed its deadline; statement not run');
    this.name = 'RequestDeadlineExceededError';
  }
}

export interface DatabaseOptions {
  /** Connections in the pool. */
  max?: number;
  /** PostgreSQL `statement_timeout`; also how long a query waits for a free connection. */
  statementTimeoutMs?: number;
}

export interface Database {
  pool: pg.Pool;
  /** For work of the server itself (jobs, caches shared by requests): counted against no request. */
  db: Db;
  /** A handle for one request: its statements count in `stats`, and none runs past `stats.deadline`. */
  forRequest(stats: QueryStats): Db;
  close(): Promise<void>;
}

/** A drizzle logger that counts statements and refuses any past the deadline (ROLLBACK excepted). */
function statsLogger(stats: QueryStats) {
  return {
    logQuery(query: string) {
      if (stats.deadline !== undefined && performance.now() > stats.deadline && !/^\s*rollback\b/i.test(query)) {
        throw new RequestDeadlineExceededError();
      }
      stats.statements++;
    },
  };
}

/**
 * Opens a pool and drizzle handles on it.
 * @example const database = openDatabase('postgres://...'); const db = database.forRequest({ statements: 0 }); await database.close();
 */
export function openDatabase(url: string, options: DatabaseOptions = {}): Database {
  const statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    statement_timeout: statementTimeoutMs,
    // Waiting for a connection (pool exhausted, or the database unreachable) fails instead of queueing forever.
    connectionTimeoutMillis: statementTimeoutMs,
    application_name: 'assay',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  return {
    pool,
    db: drizzle(pool),
    forRequest: (stats) => drizzle(pool, { logger: statsLogger(stats) }),
    close: () => pool.end(),
  };
}

/** Distinct statements prepared on every connection, at most; past it, further shapes run unprepared. */
const MAX_PREPARED_STATEMENTS = 200;
const preparedNames = new Map<string, string>();

interface DrizzleInternals {
  dialect: { sqlToQuery(statement: SQL): { sql: string; params: unknown[] } };
  session: {
    prepareQuery(
      query: { sql: string; params: unknown[] },
      fields: undefined,
      name: string | undefined,
      arrayMode: boolean,
    ): { execute(): Promise<pg.QueryResult> };
  };
}

/**
 * Runs a hot, complex read as a named prepared statement: each connection parses it once, and a statement without
 * parameters is planned once too (planning the catalog page cost PostgreSQL more than running it); with
 * parameters PostgreSQL still plans for their values until a generic plan is as good. The name is the hash of the
 * SQL text, so every shape of the statement (which filters, which related rows) gets its own; it is counted and
 * bound by the request deadline like every other statement.
 * @example const { rows } = await executePrepared<Row>(db, sql`SELECT ...`);
 */
export async function executePrepared<T>(db: DbOrTx, statement: SQL): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
  // drizzle only names statements built by its query builders; its session does the same for raw SQL.
  const { dialect, session } = db as unknown as DrizzleInternals;
  const query = dialect.sqlToQuery(statement);
  let name = preparedNames.get(query.sql);
  if (!name && preparedNames.size < MAX_PREPARED_STATEMENTS) {
    name = `assay_${createHash('sha256').update(query.sql).digest('hex').slice(0, 32)}`;
    preparedNames.set(query.sql, name);
  }
  return (await session.prepareQuery(query, undefined, name, false).execute()) as pg.QueryResult<T & pg.QueryResultRow>;
}
