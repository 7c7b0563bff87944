import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { expectError, ok, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
beforeAll(async () => {
  app = await startTestApp();
  vendor = await signUp(app, 'VENDOR');
});
afterAll(async () => {
  await app?.close();
});

/** Year 0, year 10000 in UTC (written with a negative offset on 9999-12-31), and year 10000 outright. */
const OUT_OF_RANGE = ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '0000-12-31T23:59:59+01:00'];
const IN_RANGE = ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'];

/** Each operation that takes a DateTime, with the variable the value goes in. */
const OPERATIONS: { name: string; query: string; variables: (at: string) => Record<string, unknown>; field: string }[] = [
  {
    name: 'verifyAuditLog',
    query: `query($at: DateTime) { verifyAuditLog(from: $at) { ok checked } }`,
    variables: (at) => ({ at }),
    field: 'at',
  },
  {
    name: 'auditEvents',
    query: `query($f: AuditEventFilter) { auditEvents(filter: $f) { totalCount } }`,
    variables: (at) => ({ f: { to: at } }),
    field: 'f.to',
  },
  {
    name: 'createApiKey',
    query: `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
    variables: (at) => ({ input: { name: 'k', expiresAt: at } }),
    field: 'input.expiresAt',
  },
  {
    name: 'licenseUsageReport',
    query: `query($at: DateTime!) { licenseUsageReport(from: "2026-01-01T00:00:00Z", to: $at) { downloads } }`,
    variables: (at) => ({ at }),
    field: 'at',
  },
  {
    name: 'usage',
    query: `query($at: DateTime!) { usage(licenseId: "lic_00000000000000000000000000", from: $at, to: "2026-01-02T00:00:00Z") { start } }`,
    variables: (at) => ({ at }),
    field: 'at',
  },
  {
    name: 'vendorUsage',
    query: `query($at: DateTime!) { vendorUsage(from: "2026-01-01T00:00:00Z", to: $at) { unit } }`,
    variables: (at) => ({ at }),
    field: 'at',
  },
  {
    name: 'usageReconciliation',
    query: `query($at: DateTime!) { usageReconciliation(from: $at, to: "2026-01-01T00:00:00Z") { periodStart } }`,
    variables: (at) => ({ at }),
    field: 'at',
  },
];

describe('DateTime outside years 1-9999 UTC', () => {
  it('is BAD_USER_INPUT at the scalar for every operation that takes one, sent as a variable', async () => {
    for (const op of OPERATIONS) {
      for (const at of OUT_OF_RANGE) {
        const res = await app.gql(op.query, op.variables(at), op.name === 'createApiKey' ? vendor.key : ADMIN_KEY);
        expect(res.status, `${op.name} ${at}`).toBe(400);
        expect(res.errors?.[0]?.extensions, `${op.name} ${at}: ${res.errors?.[0]?.message}`).toEqual({
          code: 'BAD_USER_INPUT',
          field: op.field,
        });
        expect(res.errors![0]!.message).toContain('DateTime must fall between years 1 and 9999 in UTC');
      }
    }
  });

  it('is BAD_USER_INPUT written as a literal too', async () => {
    for (const at of OUT_OF_RANGE) {
      expectError(await app.gql(`{ verifyAuditLog(to: "${at}") { ok } }`, {}, ADMIN_KEY), 'BAD_USER_INPUT');
      const key = await app.gql(`mutation { createApiKey(input: { name: "k", expiresAt: "${at}" }) { secret } }`, {}, vendor.key);
      expectError(key, 'BAD_USER_INPUT');
      expect(key.errors![0]!.message).toContain('between years 1 and 9999');
    }
  });

  it('takes the first and last instants of the range', async () => {
    for (const at of IN_RANGE) {
      for (const op of OPERATIONS.filter((o) => o.name !== 'createApiKey' && o.name !== 'usage')) {
        const res = await app.gql(op.query, op.variables(at), ADMIN_KEY);
        expect(res.errors?.[0]?.extensions.code, `${op.name} ${at}: ${res.errors?.[0]?.message}`).not.toBe('INTERNAL_SERVER_ERROR');
      }
    }
    ok(
      await app.gql(
        OPERATIONS.find((o) => o.name === 'createApiKey')!.query,
        { input: { name: 'late', expiresAt: IN_RANGE[1] } },
        vendor.key,
      ),
    );
  });

  it('is refused by GET /audit/export as a bad `from`, not an internal error', async () => {
    for (const at of OUT_OF_RANGE) {
      const res = await fetch(`${app.url}/audit/export?from=${encodeURIComponent(at)}`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(res.status, at).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'BAD_USER_INPUT', field: 'from' });
    }
  });
});
