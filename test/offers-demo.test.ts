import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDemoKeys } from '../src/demo/keys.js';
import { seedDemo } from '../src/demo/seed.js';
import { startTestApp, type TestApp } from './support/app.js';
import { ok } from './support/fixtures.js';

let app: TestApp;
const DEMO_KEYS = newDemoKeys();
beforeAll(async () => {
  app = await startTestApp();
  await seedDemo(app.parts, DEMO_KEYS);
});
afterAll(async () => {
  await app?.close();
});

describe('demo offers and licenses', () => {
  it('sells every pricing model, some needing approval, some asking a derivative royalty', async () => {
    const data = ok(
      await app.gql(
        `query { datasets(first: 100) { nodes { offers { pricingModel requiresApproval royaltyBps active trialDays questions { key required } } } } }`,
      ),
    );
    const offers = data.datasets.nodes.flatMap((d: any) => d.offers);
    expect(new Set(offers.map((o: any) => o.pricingModel))).toEqual(new Set(['FREE', 'ONE_TIME', 'SUBSCRIPTION', 'USAGE']));
    expect(offers.some((o: any) => o.requiresApproval)).toBe(true);
    expect(offers.some((o: any) => o.royaltyBps)).toBe(true);
    // One offer asks access questions before approval, and a subscription comes with a trial.
    expect(offers.some((o: any) => o.requiresApproval && o.questions.some((q: any) => q.required))).toBe(true);
    expect(offers.some((o: any) => o.pricingModel === 'SUBSCRIPTION' && o.trialDays === 14)).toBe(true);
  });

  it('gives the demo buyer licenses in several states, all in local billing mode', async () => {
    const data = ok(
      await app.gql(
        `query { licenses(first: 100) { nodes { status billingMode pricingModel waitingSeconds rejectionReason revocationReason payments { amountCents } } } }`,
        {},
        DEMO_KEYS.buyer,
      ),
    );
    const licenses = data.licenses.nodes;
    expect(new Set(licenses.map((l: any) => l.status))).toEqual(
      new Set(['ACTIVE', 'PENDING_APPROVAL', 'CANCELED', 'REJECTED', 'EXPIRED', 'REVOKED']),
    );
    expect(licenses.every((l: any) => l.billingMode === 'LOCAL')).toBe(true);
    expect(new Set(licenses.filter((l: any) => l.status === 'ACTIVE').map((l: any) => l.pricingModel))).toEqual(
      new Set(['FREE', 'ONE_TIME', 'SUBSCRIPTION', 'USAGE']),
    );
    expect(licenses.find((l: any) => l.status === 'PENDING_APPROVAL').waitingSeconds).toBeGreaterThan(0);
    expect(licenses.some((l: any) => l.rejectionReason)).toBe(true);
    expect(licenses.some((l: any) => l.revocationReason)).toBe(true);
  });
});
