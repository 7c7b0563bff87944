import path from 'node:path';
import { newApiKeySecret } from '../accounts/api-key-secret.js';
import { keptSecret } from '../secret-file.js';

/**
 * The demo accounts' API keys: random for every data directory (nobody else knows them), printed at start and
 * offered by the IDE in development. They exist only on a database seeded with the demo catalog.
 */
export interface DemoKeys {
  admin: string;
  vendor: string;
  buyer: string;
}

/** Where a data directory keeps its demo keys (mode 0600), so every start prints the same ones again. */
export const DEMO_KEYS_FILE = 'demo-keys.json';

/** Fresh random demo keys (a throwaway database: a test, the benchmark). */
export function newDemoKeys(): DemoKeys {
  return { admin: newApiKeySecret(), vendor: newApiKeySecret(), buyer: newApiKeySecret() };
}

/**
 * The demo keys of `dataDir`, generated on first use.
 * @example const keys = keptDemoKeys(config.dataDir); await seedDemo(db, clock, storage, keys);
 */
export function keptDemoKeys(dataDir: string): DemoKeys {
  return JSON.parse(keptSecret(path.join(dataDir, DEMO_KEYS_FILE), () => JSON.stringify(newDemoKeys()))) as DemoKeys;
}
