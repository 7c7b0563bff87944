import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe('runtime', () => {
  it('runs the suite on the Node.js major that .nvmrc, engines and the `node` devDependency name', () => {
    const major = fs.readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim();
    expect(major).toBe('24');
    expect(pkg.engines.node).toBe(`>=${major}`);
    expect(pkg.devDependencies.node).toMatch(new RegExp(`^\\^${major}\\.`));
    // npm scripts put node_modules/.bin (the `node` package's binary) first on PATH, whatever the system Node is.
    expect(process.version).toMatch(new RegExp(`^v${major}\\.`));
  });
});
