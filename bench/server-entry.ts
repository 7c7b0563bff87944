/**
 * The real Assay server for the benchmark, in its own process: `buildServer` on DATABASE_URL with the configuration
 * read as `main.ts` reads it (no embedded database, no demo seed). Prints `LISTENING <port>` once it accepts
 * connections; SIGTERM closes it cleanly (so `node --cpu-prof` writes its profile).
 */
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { databaseOptions, openDatabase } from '../src/db/client.js';
import { LocalFileStorage } from '../src/delivery/storage.js';
import { buildServer } from '../src/server.js';

const config = loadConfig(process.env);
if (!config.databaseUrl || !config.secret) throw new Error('bench server: DATABASE_URL and ASSAY_SECRET are required');
const database = openDatabase(config.databaseUrl, databaseOptions(config.limits));
const app = await buildServer({
  config,
  database,
  clock: systemClock,
  secret: config.secret,
  storage: new LocalFileStorage(path.join(config.dataDir, 'files')),
});
await app.listen({ port: config.port, host: config.host });
process.stdout.write(`LISTENING ${(app.server.address() as AddressInfo).port}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void app
    .close()
    .then(() => database.close())
    .finally(() => process.exit(0));
});
