import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { closeProcess, runsBackground, startBackground } from '../../src/background.js';
import type { Clock } from '../../src/clock.js';
import { buildProcessParts, type ProcessParts } from '../../src/composition.js';
import { loadConfig, type Config } from '../../src/config.js';
import { RequestServices } from '../../src/context.js';
import { databaseOptions, openDatabase, type Database } from '../../src/db/client.js';
import { Stores } from '../../src/db/stores/index.js';
import { openFileStorage, type FileStorage } from '../../src/delivery/storage.js';
import { createLog } from '../../src/log.js';
import { buildServer } from '../../src/server.js';

export const ADMIN_KEY = 'ak_test_admin_key_0123456789abcdefghij';

/** A mutable clock tests can move. */
export class TestClock implements Clock {
  constructor(private current = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; path?: string[]; extensions: { code: string; field?: string; [k: string]: unknown } }[];
}

export interface TestApp {
  url: string;
  database: Database;
  databaseUrl: string;
  clock: TestClock;
  config: Config;
  /** The server secret sealing signing keys (tests use it to forge tokens with the real key). */
  secret: string;
  /** Where the server keeps uploaded files (a temporary directory). */
  storage: FileStorage;
  /** The server's process-wide parts (what the seed and direct service calls are built from). */
  parts: ProcessParts;
  /** POSTs a GraphQL operation as a client would; `key` is an API key secret. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, key?: string): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** What a client of a running server (in this process or another) needs: its address and a GraphQL call. */
export type ApiClient = Pick<TestApp, 'url' | 'gql'>;

/**
 * A GraphQL-over-HTTP client of the server at `url`. It asks for `application/graphql-response+json` first, as
 * current clients do, so request errors keep their 4xx status (in plain `application/json` they are 200).
 */
export function apiClient(url: string): ApiClient {
  return {
    url,
    async gql(query, variables = {}, key) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json;q=0.9',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any };
      return { status: res.status, headers: res.headers, data: body.data ?? undefined, errors: body.errors };
    },
  };
}

/** A fresh database cloned from the migrated template; cheap (a file copy inside PostgreSQL). */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('pgAdminUrl');
  const name = `t_${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE assay_template`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Files directories of the apps this test file started and has not closed. */
const storageDirs = new Set<string>();

// Registered when a test file imports this module, so it runs after the file's own hooks (they run newest first):
// an app a failed test or a failed start never closed leaves no files directory behind.
afterAll(() => {
  for (const dir of storageDirs) fs.rmSync(dir, { recursive: true, force: true });
  storageDirs.clear();
});

/**
 * Starts the real server on a fresh database, listening on a random port, with a platform admin whose key is `ADMIN_KEY`.
 * @example const app = await startTestApp(); const res = await app.gql('{ viewer { user { id } } }', {}, ADMIN_KEY);
 */
export async function startTestApp(env: Record<string, string> = {}, options: { databaseUrl?: string } = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  // Files go to a temporary directory unless the test names a store (`s3Environment(...)` from s3-server.ts).
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-files-'));
  storageDirs.add(storageDir);
  // Rate limiting is off unless a test turns it on (`startTestApp({ ASSAY_RATE_LIMIT_PER_MINUTE: '5' })`).
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ASSAY_DEMO: '0',
    ASSAY_RATE_LIMIT_PER_MINUTE: '0',
    ASSAY_STORAGE_URL: `file:${storageDir}`,
    ...env,
  });
  const database = openDatabase(databaseUrl, databaseOptions(config.limits));
  const clock = new TestClock();
  const secret = randomBytes(32).toString('base64url');
  const storage = await openFileStorage(config.storage);
  // Built as src/main.ts builds them.
  const log = createLog(config.logLevel);
  const parts = buildProcessParts({ config, database, clock, secret, storage, log });
  const startup = new RequestServices(parts, { stores: new Stores(database.db), origin: 'http://127.0.0.1', log: () => undefined });
  await startup.accounts.bootstrapAdmin(ADMIN_KEY);
  const app = await buildServer({ parts, log });
  const background = runsBackground(config.role) ? startBackground(parts, log) : undefined;
  app.addHook('onClose', () => closeProcess(parts, background));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    secret,
    storage,
    parts,
    database,
    databaseUrl,
    clock,
    config,
    gql: apiClient(url).gql,
    async close() {
      try {
        await app.close();
        await database.close();
        await storage.close();
      } finally {
        fs.rmSync(storageDir, { recursive: true, force: true });
        storageDirs.delete(storageDir);
      }
    },
  };
}
