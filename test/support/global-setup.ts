import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { migrateDatabase } from '../../src/db/migrate.js';

/** One embedded PostgreSQL per test run; every test file clones the migrated template database. */
let server: EmbeddedDatabase | undefined;
let dir: string | undefined;

export const TEMPLATE_DATABASE = 'assay_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateUrl: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  // Tests that run the production entry point (`node dist/main.js`) need dist/ current; built once, before any file.
  execFileSync(process.execPath, [path.join(import.meta.dirname, '../../scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  if (process.env.TEST_DATABASE_URL) {
    // Reuse an existing server: the template is (re)built there.
    const adminUrl = process.env.TEST_DATABASE_URL;
    await buildTemplate(adminUrl, templateUrl(adminUrl));
    project.provide('pgAdminUrl', adminUrl);
    project.provide('pgTemplateUrl', templateUrl(adminUrl));
    return;
  }
  // The cluster lives in `dir/pg`; the app role owns the template, the superuser (adminUrl) creates the clones.
  dir = path.join(os.tmpdir(), `assay-test-${randomBytes(6).toString('hex')}`);
  server = await startEmbeddedPostgres(dir, TEMPLATE_DATABASE, { durable: false });
  const adminUrl = server.adminUrl('postgres');
  await buildTemplate(adminUrl, server.url);
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplateUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

function templateUrl(adminUrl: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${TEMPLATE_DATABASE}`;
  return u.toString();
}

async function buildTemplate(adminUrl: string, url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE_DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrateDatabase(pool);
  } finally {
    await pool.end();
  }
}
