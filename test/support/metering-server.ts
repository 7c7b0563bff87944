/**
 * Test-only entry: the real server (with its metering worker) on `DATABASE_URL`, configured from the environment like
 * `src/main.ts` but without migrating, seeding or an embedded database. Prints `ready <port>` once listening.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closeProcess, runsBackground, startBackground } from '../../src/background.js';
import { systemClock } from '../../src/clock.js';
import { buildProcessParts } from '../../src/composition.js';
import { loadConfig } from '../../src/config.js';
import { databaseOptions, openDatabase } from '../../src/db/client.js';
import { LocalFileStorage } from '../../src/delivery/storage.js';
import { createLog } from '../../src/log.js';
import { buildServer } from '../../src/server.js';

const config = loadConfig(process.env);
if (!config.databaseUrl) throw new Error('DATABASE_URL is required');
const database = openDatabase(config.databaseUrl, databaseOptions(config.limits));
// Named, not created: the file store makes it on its first write, which these servers never do, so a test that
// kills the process (SIGKILL) leaves nothing in the temp directory; a clean stop removes it all the same.
const storageDir = path.join(os.tmpdir(), `assay-metering-server-${process.pid}-${randomBytes(6).toString('hex')}`);
const log = createLog(config.logLevel);
const parts = buildProcessParts({
  config,
  database,
  clock: systemClock,
  // ASSAY_SECRET lets the process open what another server sealed (webhook secrets of a test app).
  secret: config.secret ?? randomBytes(32).toString('base64url'),
  storage: new LocalFileStorage(storageDir),
  log,
});
const app = await buildServer({ parts, log });
const background = runsBackground(config.role) ? startBackground(parts, log) : undefined;
app.addHook('onClose', () => closeProcess(parts, background));
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`ready ${(app.server.address() as AddressInfo).port}\n`);

const stop = async () => {
  await app.close();
  await database.close();
  fs.rmSync(storageDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
