import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { keptSecret } from '../secret-file.js';

/**
 * The server secret: ASSAY_SECRET when configured, otherwise one generated on first start and kept (mode 0600)
 * in `<dataDir>/secret`, so encrypted signing keys stay readable across restarts.
 */
export function resolveServerSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  return keptSecret(path.join(dataDir, 'secret'), () => randomBytes(32).toString('base64url'));
}
