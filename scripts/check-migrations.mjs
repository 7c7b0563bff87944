// Fails when src/db/tables changed without a generated migration. drizzle-kit generate runs against a copy of
// migrations/ in a temporary directory, so the check never touches the working tree.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-migrations-'));
try {
  const out = path.join(tmp, 'migrations');
  fs.cpSync(path.join(root, 'migrations'), out, { recursive: true });
  const config = path.join(tmp, 'drizzle.config.ts');
  fs.writeFileSync(
    config,
    // drizzle-kit resolves both paths against the working directory (the project root).
    `export default ${JSON.stringify({ dialect: 'postgresql', schema: './src/db/tables/index.ts', out: path.relative(root, out) })};\n`,
  );
  const before = fs.readdirSync(out).length;
  const log = execFileSync(
    path.join(root, 'node_modules/.bin/drizzle-kit'),
    ['generate', '--config', config, '--name', 'freshness_check'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (fs.readdirSync(out).length !== before) {
    process.stderr.write(`Migrations are stale: run \`npm run db:generate\` and commit the result.\n${log}\n`);
    process.exit(1);
  }
  process.stdout.write('Migrations are fresh.\n');
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
