// `npm run seed`: applies migrations and seeds the demo catalog into DATABASE_URL (or the embedded database); idempotent.
import path from 'node:path';
import { systemClock } from '../src/clock.js';
import { buildProcessParts } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { LocalFileStorage } from '../src/delivery/storage.js';
import { keptDemoKeys } from '../src/demo/keys.js';
import { seedDemo } from '../src/demo/seed.js';
import { createLog } from '../src/log.js';
import { resolveServerSecret } from '../src/tokens/server-secret.js';

const config = loadConfig(process.env);
if (config.production) {
  console.error('Refusing to seed demo data with NODE_ENV=production.');
  process.exit(1);
}
const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, 'assay');
const database = openDatabase(config.databaseUrl ?? embedded!.url);
const parts = buildProcessParts({
  config,
  database,
  clock: systemClock,
  secret: resolveServerSecret(config.secret, config.dataDir),
  storage: new LocalFileStorage(path.join(config.dataDir, 'files')),
  log: createLog(config.logLevel),
});
try {
  await migrateDatabase(database.pool);
  const result = await seedDemo(parts, keptDemoKeys(config.dataDir));
  console.log(
    result.created
      ? `Seeded the demo catalog (${result.datasets} datasets); npm start prints its API keys.`
      : result.skipped === 'NOT_EMPTY'
        ? 'The database already holds other organizations; the demo catalog is only seeded on an empty one. Nothing changed.'
        : 'The demo catalog is already there; nothing changed.',
  );
} finally {
  await parts.close();
  await database.close();
  await embedded?.stop();
}
