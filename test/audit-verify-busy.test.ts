import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { expectError, ok, signUp, type Org } from './support/fixtures.js';

const VERIFY = `query { verifyAuditLog { ok checked firstBrokenEventId reason } }`;

let app: TestApp;
let auditor: string;
let buyer: Org;
let vendor: Org;

beforeAll(async () => {
  app = await startTestApp();
  [buyer, vendor] = await Promise.all([signUp(app, 'BUYER'), signUp(app, 'VENDOR')]);
  auditor = ok(
    await app.gql(
      `mutation { createStaffUser(input: { name: "Busy auditor", email: "busy-auditor@assay.example", role: AUDITOR }) { secret } }`,
      {},
      ADMIN_KEY,
    ),
  ).createStaffUser.secret;
});
afterAll(async () => {
  await app?.close();
});

describe('verifyAuditLog on a busy server', () => {
  it('reports an intact chain on every call while sign-ups append events concurrently', async () => {
    let stop = false;
    let signUps = 0;
    // Four writers sign organizations up (each appends audit events) for as long as the verifications run.
    const writers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        await signUp(app, 'BUYER');
        signUps++;
      }
    });
    const answers: Record<string, unknown>[] = [];
    try {
      for (let i = 0; i < 15; i++) {
        answers.push(ok(await app.gql(VERIFY, {}, i % 2 ? auditor : ADMIN_KEY)).verifyAuditLog);
      }
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    // The writers really ran between the calls: the chain grew while it was being verified.
    expect(signUps).toBeGreaterThanOrEqual(15);
    const checked = answers.map((a) => a.checked as number);
    expect(new Set(checked).size).toBeGreaterThan(1);
    expect(answers.filter((a) => !a.ok)).toEqual([]);
  });

  it('is for staff only', async () => {
    expectError(await app.gql(VERIFY, {}, buyer.key), 'FORBIDDEN');
    expectError(await app.gql(VERIFY, {}, vendor.key), 'FORBIDDEN');
    expectError(await app.gql(VERIFY), 'UNAUTHENTICATED');
  });
});
