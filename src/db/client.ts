import { createHash } from 'node:crypto';
import { is, SQL, type Logger } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Limits } from '../config.js';
import { isDatabaseUnavailable, RequestDeadlineExceededError } from './pg-errors.js';

// No relational schema: every query goes through a store's query builder or SQL, and a database handle without
// one costs nothing to make per request.
export type Db = NodePgDatabase;
/** Either the pool-backed database or an open transaction; stores accept both. */
export type DbOrTx = Db | Tx;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The SQL statements issued through one request's database handle (exposed to tests and the benchmark). */
export interface QueryStats {
  statements: number;
  /**
   * `performance.now()` after which the request may issue no more SQL (ROLLBACK excepted, so an open
   * transaction still ends cleanly): a request answered 503 for its deadline stops at its next statement.
   */
  deadline?: number | undefined;
}

export interface DatabaseOptions {
  /** Connections in the pool. */
  max?: number;
  /** PostgreSQL `statement_timeout`: the server stops a statement running longer. */
  statementTimeoutMs?: number;
  /** How long getting a connection may take (a free one from the pool, or a new one opened): 5 s by default. */
  connectTimeoutMs?: number;
  /**
   * How long the client waits for a statement's answer before giving up on it and its connection (node-postgres
   * `query_timeout`): what bounds a query when the database cannot even run `statement_timeout` (frozen, partitioned).
   * By default one second more than `statementTimeoutMs`, so a slow statement is stopped by the server first.
   */
  queryTimeoutMs?: number;
  /** Called for an error on a connection nobody is waiting on (a database restart); the pool replaces the client. */
  onConnectionError?: (err: Error) => void;
}

export interface Database {
  pool: pg.Pool;
  /**
   * Whether the database answers `SELECT 1` within `timeoutMs`, on a connection of its own: a pool saturated by
   * requests waiting on a stalled database cannot delay the answer, and it never takes longer than `timeoutMs`.
   */
  ping(timeoutMs: number): Promise<boolean>;
  /** For work of the server itself (jobs, caches shared by requests): counted against no request. */
  db: Db;
  /** A handle for one request: its statements count in `stats`, and none runs past `stats.deadline`. */
  forRequest(stats: QueryStats): Db;
  /**
   * A small pool of its own on the same server, guarded like the main one, for work that must never queue behind
   * requests holding the main pool (the shared rate-limit buckets); its owner ends it.
   */
  sidePool(options: pg.PoolConfig): pg.Pool;
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
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? statementTimeoutMs + 1_000;
  const onConnectionError = options.onConnectionError ?? (() => undefined);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    statement_timeout: statementTimeoutMs,
    query_timeout: queryTimeoutMs,
    // Waiting for a connection (pool exhausted, or the database unreachable) fails instead of queueing forever.
    connectionTimeoutMillis: connectTimeoutMs,
    // A peer that vanished without closing (a partition) is noticed by the kernel instead of never.
    keepAlive: true,
    application_name: 'assay',
  });
  guardClients(pool, onConnectionError);
  // The probe has its own single connection, so it neither waits behind requests nor takes one from them.
  const probe = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    application_name: 'assay-health',
  });
  guardClients(probe, () => undefined);
  return {
    pool,
    ping: (timeoutMs) => ping(probe, timeoutMs),
    db: drizzle(pool),
    forRequest: (stats) => drizzle(pool, { logger: statsLogger(stats) }),
    sidePool: (options) => {
      const side = new pg.Pool({ ...pool.options, ...options });
      guardClients(side, () => undefined);
      return side;
    },
    close: async () => {
      await Promise.all([pool.end(), probe.end()]);
    },
  };
}

/**
 * Every client the pool opens, idle or checked out (a transaction, a migration, a listener), handles its `error`
 * events: without a listener, a connection lost while a client is checked out ("terminating connection due to
 * administrator command", 57P01) is an unhandled 'error' event that kills the process. The client is then not
 * queryable, its pending statements fail, and the pool discards it when it is released.
 */
export function guardClients(pool: pg.Pool, onConnectionError: (err: Error) => void): void {
  pool.on('error', (err) => onConnectionError(err));
  pool.on('connect', (client) => {
    client.on('error', (err) => onConnectionError(err));
    // A statement given up on by `query_timeout` may still be running (or the server frozen): the connection is in
    // an unknown state, so it is closed rather than handed to the next caller behind that statement.
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        result.catch((err: unknown) => {
          if ((err as Error)?.message === 'Query read timeout')
            (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        });
      }
      return result;
    };
  });
}

async function ping(probe: pg.Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const answered = probe.query({ text: 'SELECT 1', query_timeout: timeoutMs } as pg.QueryConfig).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Isolation and access mode of a transaction, as drizzle takes them. */
export type TransactionConfig = Parameters<Db['transaction']>[1];

/**
 * Runs `fn` in a transaction on `db` (a savepoint when `db` is a transaction already). drizzle's own pool
 * transaction never releases its connection when BEGIN itself fails (the database went away between checkout and
 * BEGIN), so every such failure would keep a pool slot for good and an outage could leave the pool with nothing to
 * give once the database is back. The connection is checked out here and always released; one that failed for the
 * database's sake is discarded, not reused. The handle's logger (statement counting, deadline) carries over.
 * @example await transaction(db, async (tx) => { await tx.insert(...); });
 */
export async function transaction<T>(db: DbOrTx, fn: (tx: Tx) => Promise<T>, config?: TransactionConfig): Promise<T> {
  const { session } = db as unknown as { session: { client: unknown; options?: { logger?: Logger } } };
  if (!(session.client instanceof pg.Pool)) return db.transaction(fn, config);
  const client = await session.client.connect();
  let broken: Error | undefined;
  try {
    return await drizzle(client, { logger: session.options?.logger ?? false }).transaction(fn, config);
  } catch (err) {
    if (isDatabaseUnavailable(err)) broken = err as Error;
    throw err;
  } finally {
    client.release(broken);
  }
}

/** The pool settings the configuration asks for. */
export function databaseOptions(limits: Limits): DatabaseOptions {
  return {
    max: limits.databasePoolMax,
    statementTimeoutMs: limits.statementTimeoutMs,
    connectTimeoutMs: limits.databaseConnectTimeoutMs,
    queryTimeoutMs: limits.databaseQueryTimeoutMs,
  };
}

/** A statement rendered to its text and parameters, to run again without rebuilding it. */
export interface RenderedQuery {
  sql: string;
  params: unknown[];
}

/** The text and parameters of `statement`, as drizzle sends them. */
export function renderQuery(db: DbOrTx, statement: SQL): RenderedQuery {
  return (db as unknown as DrizzleInternals).dialect.sqlToQuery(statement);
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
export async function executePrepared<T>(db: DbOrTx, statement: SQL | RenderedQuery): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
  // drizzle only names statements built by its query builders; its session does the same for raw SQL.
  const { session } = db as unknown as DrizzleInternals;
  const query = is(statement, SQL) ? renderQuery(db, statement) : statement;
  let name = preparedNames.get(query.sql);
  if (!name && preparedNames.size < MAX_PREPARED_STATEMENTS) {
    name = `assay_${createHash('sha256').update(query.sql).digest('hex').slice(0, 32)}`;
    preparedNames.set(query.sql, name);
  }
  return (await session.prepareQuery(query, undefined, name, false).execute()) as pg.QueryResult<T & pg.QueryResultRow>;
}
