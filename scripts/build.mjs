// `npm run build`: compiles src/ to dist/, one module per source file (so paths relative to a module, such as
// ../../migrations, hold in both), and copies what the server reads from disk beside its module (the GraphQL SDL).
// esbuild only strips types (well under a second, so a fresh clone's `npm start` stays within its 15 s); types are
// checked by `npm run typecheck`. `--if-stale` (npm start, the bench, the tests) builds only when dist/ is missing or
// older than its inputs.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
/** Written last: its mtime says when dist/ was complete (a build that failed halfway leaves none). */
const stamp = path.join(dist, '.build-stamp');
/** Inputs besides src/: a changed compiler setting or dependency set also makes dist/ stale. */
const inputs = ['tsconfig.json', 'package.json', 'scripts/build.mjs'].map((f) => path.join(root, f));

/** Newest mtime under `dir`, directories included (a deleted or renamed source changes its directory's mtime). */
function newest(dir) {
  let latest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return latest;
}

function stale() {
  if (!fs.existsSync(stamp)) return true;
  const built = fs.statSync(stamp).mtimeMs;
  return newest(path.join(root, 'src')) > built || inputs.some((f) => fs.statSync(f).mtimeMs > built);
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);

const started = Date.now();
fs.rmSync(dist, { recursive: true, force: true });
/** Every .ts module under src/ (sorted, so the output does not depend on directory order). */
const sources = fs
  .readdirSync(path.join(root, 'src'), { recursive: true })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .sort()
  .map((f) => path.join(root, 'src', f));
/**
 * drizzle-orm's entry points, bundled into dist/vendor/drizzle/ (shared code in chunks, so one copy of each class).
 * Its package.json carries a 177 KB `exports` map that Node 24 parses again for each of the ~110 modules it loads
 * from the package (the package scope lookup that decides a file's module type): ~150 MB of garbage at start-up, which
 * grew the young generation to its 2 x 64 MB for good (idle RSS ~300 MB instead of ~120 MB). Bundled, its code sits
 * under our own small package.json.
 */
const drizzleEntries = ['drizzle-orm', 'drizzle-orm/pg-core', 'drizzle-orm/node-postgres', 'drizzle-orm/node-postgres/migrator'];
const vendorDir = path.join(dist, 'vendor', 'drizzle');
const vendorName = (specifier) => specifier.replaceAll('/', '-');
try {
  // Imported only to build: with dist/ current, `npm start` needs no devDependency (`npm ci --omit=dev`).
  const { build } = await import('esbuild');
  await build({
    entryPoints: sources,
    outdir: dist,
    outbase: path.join(root, 'src'),
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: true,
    tsconfig: path.join(root, 'tsconfig.json'),
    logLevel: 'warning',
  });
  await build({
    entryPoints: drizzleEntries.map((specifier) => ({ in: fileURLToPath(import.meta.resolve(specifier)), out: vendorName(specifier) })),
    outdir: vendorDir,
    bundle: true,
    splitting: true,
    // Its drivers' packages (pg) stay imports of node_modules.
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'warning',
  });
} catch {
  process.stderr.write('Build failed: esbuild reported the errors above.\n');
  process.exit(1);
}
// Our modules import the bundle instead of the package.
const drizzleImport = /(["'])(drizzle-orm(?:\/pg-core|\/node-postgres\/migrator|\/node-postgres)?)\1/g;
for (const file of fs.readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  const full = path.join(dist, file);
  if (!file.endsWith('.js') || full.startsWith(vendorDir)) continue;
  const code = fs.readFileSync(full, 'utf8');
  if (!code.includes('drizzle-orm')) continue;
  const relative = (specifier) => {
    const target = path.relative(path.dirname(full), path.join(vendorDir, `${vendorName(specifier)}.js`));
    return target.startsWith('.') ? target : `./${target}`;
  };
  fs.writeFileSync(
    full,
    code.replace(drizzleImport, (_, quote, specifier) => `${quote}${relative(specifier)}${quote}`),
  );
}
fs.cpSync(path.join(root, 'src'), dist, { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.graphql') });
fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
process.stdout.write(`Built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
