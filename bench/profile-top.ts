/**
 * Reads a V8 .cpuprofile (`node --cpu-prof`) and prints the functions with the most self time, and the same summed
 * per package, so a slow path is found by measurement. Also runnable alone: `tsx bench/profile-top.ts <file> [n]`.
 */
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a script URL lives: a package name, our own source path, or node's internals. */
function owner(url: string): string {
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const src = /.*\/(src|bench|dist)\/(.*)$/.exec(url);
  if (!src) return url;
  // The server runs the build: dist/x.js is our src/x.ts.
  return src[1] === 'dist' ? `src/${src[2]!.replace(/\.js$/, '.ts')}` : `${src[1]}/${src[2]}`;
}

const sourceMaps = new Map<string, SourceMap | undefined>();
/** The source map beside a built module (dist/x.js.map), read once; undefined when there is none. */
function sourceMapOf(url: string): SourceMap | undefined {
  if (!url.startsWith('file://') || url.includes('/node_modules/') || !/\/dist\/.*\.js$/.test(url)) return undefined;
  if (!sourceMaps.has(url)) {
    try {
      sourceMaps.set(url, new SourceMap(JSON.parse(fs.readFileSync(`${fileURLToPath(url)}.map`, 'utf8')) as never));
    } catch {
      sourceMaps.set(url, undefined);
    }
  }
  return sourceMaps.get(url);
}

/** "file:line" of a frame, 1-based; a frame in dist/ is named by its place in src/ through the build's source map. */
function place(frame: ProfileNode['callFrame']): string {
  const where = owner(frame.url);
  if (!frame.url) return where;
  const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && 'originalSource' in entry) {
    const source = path.resolve(path.dirname(fileURLToPath(frame.url)), entry.originalSource);
    const src = /.*\/src\/(.*)$/.exec(source.replace(/^file:\/\//, ''));
    if (src) return `src/${src[1]}:${entry.originalLine + 1}`;
  }
  return `${where}:${frame.lineNumber + 1}`;
}

export function printTopFunctions(file: string, n: number, log: (line: string) => void): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  // Self time per node from the samples and their time deltas (µs).
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((s, x) => s + x, 0);
  const fns = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || '(anonymous)';
    const where = owner(frame.url);
    const key = ['(idle)', '(program)', '(garbage collector)'].includes(name) ? name : `${name}  ${place(frame)}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkg = name === '(idle)' || name === '(program)' || name === '(garbage collector)' ? name : where;
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  // Inclusive time: each node's subtree, counted once per function even when it recurses.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const keyOf = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'}  ${place(node.callFrame)}`;
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      if (!node.callFrame.url) continue;
      const key = keyOf(node);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  log(`\nCPU profile ${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  log(`top ${n} functions by self time:`);
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, n)) log(`  ${pct(us)}  ${k}`);
  log(`top ${n} of our own functions (src/) by inclusive time:`);
  for (const [k, us] of [...inclusive]
    .filter(([k]) => / src\//.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n))
    log(`  ${pct(us)}  ${k}`);
  log('self time by package / file:');
  for (const [k, us] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, 20)) log(`  ${pct(us)}  ${k}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  printTopFunctions(process.argv[2]!, Number(process.argv[3] ?? 30), (l) => process.stdout.write(`${l}\n`));
}
