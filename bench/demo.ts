import { randomBytes } from 'node:crypto';
import { buildProcessParts, type ProcessParts } from '../src/composition.js';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/clock.js';
import type { Database } from '../src/db/client.js';
import { newDemoKeys } from '../src/demo/keys.js';
import { seedDemo } from '../src/demo/seed.js';
import { LocalFileStorage } from '../src/delivery/storage.js';
import { createLog } from '../src/log.js';

/**
 * Seeds the demo catalog into a migrated bench database through process parts of its own (default settings, files
 * in `storageDir`), after `first` (e.g. bootstrapping an admin); the parts are closed before it returns.
 * @example await seedDemoCatalog(database, runDir('assay-bench-x-'));
 */
export async function seedDemoCatalog(
  database: Database,
  storageDir: string,
  first: (parts: ProcessParts) => Promise<void> = async () => undefined,
): Promise<void> {
  const parts = buildProcessParts({
    config: loadConfig({}),
    database,
    clock: systemClock,
    secret: randomBytes(32).toString('base64url'),
    storage: new LocalFileStorage(storageDir),
    log: createLog('silent'),
  });
  try {
    await first(parts);
    await seedDemo(parts, newDemoKeys());
  } finally {
    await parts.close();
  }
}
