import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import { ok, publishDataset, signUp } from './support/fixtures.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe('a page of licenses', () => {
  it('shows each license with its offer, dataset and usage this period in a constant number of statements', async () => {
    const vendor = await signUp(app, 'VENDOR');
    const { datasetId } = await publishDataset(app, vendor);
    for (let i = 0; i < 12; i++) {
      const buyer = await signUp(app, 'BUYER');
      const offerId = await createOffer(app, vendor, datasetId, {
        pricingModel: 'USAGE',
        currency: 'usd',
        usageUnit: 'REQUEST',
        unitAmountCents: 1,
        usageCap: 100,
      });
      expect(ok(await purchase(app, buyer, offerId)).purchaseLicense.license.status).toBe('ACTIVE');
    }
    const page = `query($first: Int) {
      licenses(first: $first) { nodes { id status offer { name } dataset { title } licensee { name } currentUsage { used usageCap billedUnits resetsAt } } }
    }`;
    const statements = async (first: number) => {
      const res = await app.gql(page, { first }, vendor.key);
      const nodes = ok(res).licenses.nodes;
      expect(nodes).toHaveLength(first);
      expect(nodes.every((n: { currentUsage: { usageCap: number } }) => n.currentUsage.usageCap === 100)).toBe(true);
      return Number(res.headers.get('x-sql-statements'));
    };
    await statements(1);
    expect(await statements(12)).toBe(await statements(3));
    expect(ok(await app.gql(`{ licenses(first: 100) { totalCount } }`, {}, ADMIN_KEY)).licenses.totalCount).toBe(12);
  });
});
