import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestApp, type TestApp } from './support/app.js';

// x-sql-statements says how many statements a request issued; production leaves it out unless an operator asks.

const apps: TestApp[] = [];
const start = async (env: Record<string, string>) => {
  const app = await startTestApp(env);
  apps.push(app);
  return app;
};
const PAGE = `{ datasets(first: 5) { edges { node { id vendor { name } latestVersion { id lineage { generationDepth } } offers { id } } } } }`;

afterAll(() => Promise.all(apps.map((a) => a.close())));

describe('x-sql-statements', () => {
  it('is left out in production, and sent there when ASSAY_SQL_STATEMENTS_HEADER=1', async () => {
    const secret = randomBytes(32).toString('base64url');
    const production = await start({ NODE_ENV: 'production', ASSAY_SECRET: secret });
    const res = await production.gql(PAGE);
    expect(res.errors).toBeUndefined();
    expect(res.headers.get('x-sql-statements')).toBeNull();

    const counted = await start({ NODE_ENV: 'production', ASSAY_SECRET: secret, ASSAY_SQL_STATEMENTS_HEADER: '1' });
    const page = await counted.gql(PAGE);
    expect(page.errors).toBeUndefined();
    // The page, its vendors, latest versions, lineage and offers: one statement.
    expect(page.headers.get('x-sql-statements')).toBe('1');
    expect((await counted.gql('{ __typename }')).headers.get('x-sql-statements')).toBe('0');
  });

  it('is sent outside production unless turned off, and the setting is validated', async () => {
    const base = { DATABASE_URL: 'postgres://localhost/x' };
    expect(loadConfig(base).sqlStatementsHeader).toBe(true);
    expect(loadConfig({ ...base, ASSAY_SQL_STATEMENTS_HEADER: '0' }).sqlStatementsHeader).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'production', ASSAY_SECRET: 'x'.repeat(32) }).sqlStatementsHeader).toBe(false);
    expect(() => loadConfig({ ...base, ASSAY_SQL_STATEMENTS_HEADER: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ASSAY_SQL_STATEMENTS_HEADER: 'yes' })).toThrow(/ASSAY_SQL_STATEMENTS_HEADER/);
  });
});
