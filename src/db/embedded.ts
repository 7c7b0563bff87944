import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { keptSecret } from '../secret-file.js';
import { postgresBinDir } from './embedded/binaries.js';
import { isProcessAlive, Postmaster, PostmasterExitError, type PostmasterEvent, type PostmasterState } from './embedded/postmaster.js';
import { canTraverse, isRoot, postgresSystemUser, type SystemUser } from './embedded/system-user.js';

export type { PostmasterEvent, PostmasterState };

export interface EmbeddedDatabase {
  /** Connection URL of the `database` it was asked for, as the application's role (not a superuser; owns it). */
  url: string;
  /** Superuser URL of any database of the cluster, to create and drop databases. */
  adminUrl(database: string): string;
  /** The directory PostgreSQL keeps its files in (beside the binaries' cache when `dataDir` is closed to it). */
  location: string;
  /** `running`, or `restarting` after PostgreSQL died, until it accepts connections again. */
  state(): PostmasterState;
  /** Told of every unexpected exit and restart of PostgreSQL. */
  onEvent(listener: (event: PostmasterEvent) => void): () => void;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {}

/** Where root places a cluster whose configured data directory the `postgres` user cannot reach. */
export const RELOCATED_CLUSTERS_DIR = '/var/lib/assay';
/** The cluster's passwords, under the data directory (mode 0600). */
export const CREDENTIALS_FILE = 'postgres-credentials.json';
/** The PID of the server process running the cluster, so a later start can tell a leftover PostgreSQL from a live server. */
const OWNER_FILE = 'postgres-owner.pid';

const SUPERUSER = 'postgres';
/** The application's role: owns its database and everything migrations create in it; no superuser powers. */
const APP_ROLE = 'assay';

interface Credentials {
  superuser: { user: string; password: string };
  app: { user: string; password: string };
}

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

/**
 * Creates the data directory if needed (mode 0700; 0711 as root, so the `postgres` user may pass through to its
 * own cluster but list nothing); an unusable one is a clear one-line error, not a stack trace.
 */
export function ensureDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: isRoot() ? 0o711 : 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new EmbeddedDatabaseError(`Cannot use data directory ${dir} (${code}). Set ASSAY_DATA_DIR to a writable directory.`);
  }
}

/**
 * `dataDir/pg`, unless we are root and the `postgres` user cannot reach it (a checkout in /root): then a directory
 * of its own under RELOCATED_CLUSTERS_DIR, named after `dataDir`, so every start on `dataDir` finds it again.
 */
function clusterLocation(dataDir: string, runAs: SystemUser | undefined): string {
  const own = path.join(dataDir, 'pg');
  if (!runAs || canTraverse(dataDir, runAs)) return own;
  if (fs.existsSync(path.join(own, 'PG_VERSION'))) {
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL in ${own} is no longer reachable by the "postgres" user; open its parent directories again (chmod o+x) or move it.`,
    );
  }
  const name = path
    .basename(dataDir)
    .replace(/^\.+/, '')
    .replace(/[^A-Za-z0-9_.-]/g, '_');
  return path.join(RELOCATED_CLUSTERS_DIR, `${name}-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
}

/** A directory only `owner` (or we) may use. */
function privateDir(dir: string, owner: SystemUser | undefined): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  if (owner) fs.chownSync(dir, owner.uid, owner.gid);
}

const newPassword = () => randomBytes(24).toString('base64url');

/** `initdb` with a random superuser password (password authentication only), as `runAs`. */
async function initCluster(
  bin: string,
  cluster: string,
  credentials: Credentials,
  runAs: SystemUser | undefined,
  durable: boolean,
): Promise<void> {
  privateDir(cluster, runAs);
  // initdb reads the password from a file; it lives in a private directory beside the cluster while initdb runs.
  const scratch = fs.mkdtempSync(`${cluster}.init-`);
  const pwfile = path.join(scratch, 'pw');
  fs.writeFileSync(pwfile, credentials.superuser.password + '\n', { mode: 0o600 });
  if (runAs) {
    fs.chownSync(scratch, runAs.uid, runAs.gid);
    fs.chownSync(pwfile, runAs.uid, runAs.gid);
  }
  try {
    const args = [
      `--pgdata=${cluster}`,
      `--username=${credentials.superuser.user}`,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      // Unicode-aware and the same on every platform (no dependency on the host's locales).
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      ...(durable ? [] : ['--no-sync']),
    ];
    const output = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn(path.join(bin, 'initdb'), args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { LC_ALL: 'C' },
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
      let text = '';
      child.stdout!.on('data', (d) => (text += d));
      child.stderr!.on('data', (d) => (text += d));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, text }));
    });
    if (output.code !== 0) throw new Error(`initdb failed (code ${output.code}): ${output.text.trim().split('\n').slice(-5).join('\n')}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The application's role and its database, created on first start; the role owns the database (and so its schema). */
async function ensureAppDatabase(adminUrl: string, credentials: Credentials, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const role = client.escapeIdentifier(credentials.app.user);
    if ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [credentials.app.user])).rowCount === 0) {
      await client.query(
        `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${client.escapeLiteral(credentials.app.password)}`,
      );
    }
    if ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${role}`);
    }
  } finally {
    await client.end();
  }
}

function connectionUrl(user: { user: string; password: string }, port: number, database: string): string {
  return `postgres://${encodeURIComponent(user.user)}:${encodeURIComponent(user.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster for `dataDir`: its files in `dataDir/pg` (or, as root
 * with `dataDir` closed to the `postgres` user, under RELOCATED_CLUSTERS_DIR), its random passwords in
 * `dataDir/postgres-credentials.json`; it listens on 127.0.0.1 only and is restarted should it die.
 * As root it runs as the `postgres` system user, as PostgreSQL refuses to run as root.
 * @example const pg = await startEmbeddedPostgres('./.assay', 'assay'); ... await pg.stop();
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  database: string,
  options: { durable?: boolean } = {},
): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  ensureDataDir(root);
  const durable = options.durable !== false;
  const runAs = isRoot() ? await postgresSystemUser() : undefined;
  const cluster = clusterLocation(root, runAs);
  const credentialsFile = path.join(root, CREDENTIALS_FILE);
  const fresh = !fs.existsSync(path.join(cluster, 'PG_VERSION'));
  if (!fresh && !fs.existsSync(credentialsFile)) {
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL in ${cluster} has no credentials in ${credentialsFile} (it was made by an older Assay with a well-known password, or the file was removed). Remove ${cluster} to start afresh, or set ASSAY_DATA_DIR elsewhere.`,
    );
  }
  const credentials = JSON.parse(
    keptSecret(credentialsFile, () =>
      JSON.stringify({
        superuser: { user: SUPERUSER, password: newPassword() },
        app: { user: APP_ROLE, password: newPassword() },
      } satisfies Credentials),
    ),
  ) as Credentials;

  let bin: string;
  try {
    bin = await postgresBinDir(runAs);
    if (fresh) await initCluster(bin, cluster, credentials, runAs, durable);
  } catch (err) {
    throw new EmbeddedDatabaseError(`Embedded PostgreSQL failed to initialise in ${cluster}: ${(err as Error).message}`);
  }

  const port = await freePort();
  const postmaster = new Postmaster({
    binary: path.join(bin, 'postgres'),
    dataDir: fs.realpathSync(cluster),
    port,
    runAs,
    settings: {
      listen_addresses: '127.0.0.1',
      // No Unix socket: loopback TCP with a password is the only way in.
      unix_socket_directories: '',
      max_connections: '300',
      // Throwaway test clusters trade crash safety for speed; a developer's data keeps it.
      ...(durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    },
  });
  const ownerFile = path.join(root, OWNER_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      await postmaster.start();
      break;
    } catch (err) {
      const log = err instanceof PostmasterExitError ? err.log : [];
      if (!log.some((l) => l.includes('postmaster.pid') && l.includes('already exists'))) {
        throw new EmbeddedDatabaseError(
          `Embedded PostgreSQL failed to start in ${cluster}: ${(err as Error).message}\n${log.slice(-10).join('\n')}`,
        );
      }
      if (attempt > 0 || !(await stopLeftoverPostmaster(ownerFile, cluster))) {
        throw new EmbeddedDatabaseError(
          `Another server is already using the data directory ${root}. Stop it, or set ASSAY_DATA_DIR to another directory.`,
        );
      }
    }
  }
  fs.writeFileSync(ownerFile, `${process.pid}\n`, { mode: 0o600 });
  const adminUrl = (db: string) => connectionUrl(credentials.superuser, port, db);
  try {
    await ensureAppDatabase(adminUrl('postgres'), credentials, database);
  } catch (err) {
    await postmaster.stop();
    throw err;
  }
  return {
    url: connectionUrl(credentials.app, port, database),
    adminUrl,
    location: cluster,
    state: () => postmaster.state,
    onEvent: (listener) => postmaster.onEvent(listener),
    stop: async () => {
      await postmaster.stop();
      fs.rmSync(ownerFile, { force: true });
    },
  };
}

/**
 * A PostgreSQL left running by a server that was killed outright (it is in a process group of its own, so nothing
 * else stops it) is stopped, cleanly; one whose server still runs is left alone. True when one was stopped.
 */
async function stopLeftoverPostmaster(ownerFile: string, cluster: string): Promise<boolean> {
  const pidIn = (file: string) => {
    try {
      return Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    } catch {
      return NaN;
    }
  };
  const owner = pidIn(ownerFile);
  const postmaster = pidIn(path.join(cluster, 'postmaster.pid'));
  if (!Number.isInteger(owner) || !Number.isInteger(postmaster) || isProcessAlive(owner) || !isProcessAlive(postmaster)) return false;
  process.kill(postmaster, 'SIGINT');
  for (const deadline = Date.now() + 20_000; isProcessAlive(postmaster);) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}
