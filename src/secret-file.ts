import fs from 'node:fs';
import path from 'node:path';

/**
 * The contents of a file of secrets, created with `create()` (mode 0600, exclusively) on first use; when two
 * processes race to create it, the first one's wins for both.
 * @example const secret = keptSecret(path.join(dataDir, 'secret'), () => randomBytes(32).toString('base64url'));
 */
export function keptSecret(file: string, create: () => string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = create();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return fs.readFileSync(file, 'utf8').trim();
  }
}
