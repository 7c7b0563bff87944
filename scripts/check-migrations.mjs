// Fails when src/db/tables changed without a generated migration: runs drizzle-kit generate and checks nothing new appeared.
import { execFileSync } from 'node:child_process';

const status = () => execFileSync('git', ['status', '--porcelain', '--', 'migrations'], { encoding: 'utf8' });
const before = status();
const out = execFileSync('npx', ['drizzle-kit', 'generate', '--name', 'freshness_check'], { encoding: 'utf8' });
const after = status();
if (after !== before) {
  execFileSync('git', ['checkout', '--', 'migrations']);
  execFileSync('git', ['clean', '-fdq', '--', 'migrations']);
  console.error('Migrations are stale: run `npm run db:generate` and commit the result.\n' + out);
  process.exit(1);
}
console.log('Migrations are fresh.');
