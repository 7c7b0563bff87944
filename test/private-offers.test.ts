import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { CREATE_OFFER, PRICES, createOffer, offerInput, purchase } from './support/commerce.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

const OFFERS = `query($id: ID!) { dataset(id: $id) { offers { id private visibleTo } } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on Offer { id private visibleTo } } }`;

let app: TestApp;
let vendor: Org;
let vendor2: Org;
let buyerA: Org;
let buyerB: Org;
let buyerC: Org;
let datasetId: string;
let publicId: string;
let privateId: string;

beforeAll(async () => {
  app = await startTestApp();
  [vendor, vendor2, buyerA, buyerB, buyerC] = await Promise.all([
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
  ]);
  datasetId = (await publishDataset(app, vendor)).datasetId;
  publicId = await createOffer(app, vendor, datasetId, { name: 'Public' });
  privateId = await createOffer(app, vendor, datasetId, { name: 'Negotiated', visibleTo: [buyerA.id, buyerC.id, buyerA.id] });
});
afterAll(async () => {
  await app?.close();
});

describe('private offers', () => {
  it('validates visibleTo: existing BUYER organizations only', async () => {
    const cases: [unknown[], string][] = [
      [[vendor2.id], 'input.visibleTo.0'],
      [[buyerA.id, 'org_00000000000000000000000000'], 'input.visibleTo.1'],
      [[buyerA.id, vendor.id], 'input.visibleTo.1'],
      [['not-an-id'], 'input.visibleTo.0'],
    ];
    for (const [visibleTo, field] of cases) {
      expectError(await app.gql(CREATE_OFFER, { input: offerInput(datasetId, { visibleTo }) }, vendor.key), 'BAD_USER_INPUT', field);
    }
  });

  it('is listed only to the named buyers, the vendor and staff', async () => {
    const listed = async (key?: string) => ok(await app.gql(OFFERS, { id: datasetId }, key)).dataset.offers.map((o: any) => o.id);
    for (const insider of [vendor, buyerA, buyerC, { key: ADMIN_KEY }])
      expect(await listed(insider.key)).toEqual(expect.arrayContaining([publicId, privateId]));
    for (const outsider of [buyerB, vendor2, { key: undefined }]) {
      const ids = await listed(outsider.key);
      expect(ids).toContain(publicId);
      expect(ids).not.toContain(privateId);
    }
  });

  it('node(id) answers the named buyers, the vendor and staff; null for everyone else', async () => {
    const vendorView = ok(await app.gql(NODE, { id: privateId }, vendor.key)).node;
    expect(vendorView).toMatchObject({ id: privateId, private: true });
    expect([...vendorView.visibleTo].sort()).toEqual([buyerA.id, buyerC.id].sort());
    expect(ok(await app.gql(NODE, { id: privateId }, ADMIN_KEY)).node.id).toBe(privateId);
    // A named buyer sees the offer but not who else was offered it.
    expect(ok(await app.gql(NODE, { id: privateId }, buyerA.key)).node).toEqual({ id: privateId, private: true, visibleTo: [] });
    for (const outsider of [buyerB, vendor2, { key: undefined }]) {
      expect(ok(await app.gql(NODE, { id: privateId }, outsider.key)).node).toBeNull();
    }
    expect(ok(await app.gql(NODE, { id: publicId }, buyerB.key)).node).toEqual({ id: publicId, private: false, visibleTo: [] });
  });

  it('only the named buyers can buy it; everyone else gets NOT_FOUND', async () => {
    expect(ok(await purchase(app, buyerA, privateId)).purchaseLicense.license.offer.id).toBe(privateId);
    expectError(await purchase(app, buyerB, privateId), 'NOT_FOUND', 'input.offerId');
    expectError(await purchase(app, vendor2, privateId), 'NOT_FOUND', 'input.offerId');
    expectError(await purchase(app, { key: '' }, privateId), 'UNAUTHENTICATED');
    // The public offer on the same dataset sells to anyone.
    expect(ok(await purchase(app, buyerB, publicId)).purchaseLicense.license.offer.id).toBe(publicId);
  });
});

describe('private offers in training mixes', () => {
  it('prices a mix component only with offers its organization may see', async () => {
    const { versionId, datasetId: priced } = await publishDataset(app, vendor);
    const listPrice = await createOffer(app, vendor, priced, { ...PRICES.ONE_TIME, name: 'List price', amountCents: 10_000 });
    const negotiated = await createOffer(app, vendor, priced, {
      ...PRICES.ONE_TIME,
      name: 'Negotiated',
      amountCents: 100,
      visibleTo: [buyerA.id],
    });
    const cheapest = async (buyer: Org) =>
      ok(
        await app.gql(
          `mutation($input: CreateTrainingMixInput!) { createTrainingMix(input: $input) { trainingMix { components { cheapestOffer { id } cheapestPrice { amountCents } } } } }`,
          {
            input: {
              name: `Mix ${buyer.slug}`,
              regime: 'ACCUMULATE',
              intendedUse: ['MODEL_TRAINING'],
              components: [{ versionId, rows: '10' }],
            },
          },
          buyer.key,
        ),
      ).createTrainingMix.trainingMix.components[0];
    expect(await cheapest(buyerA)).toEqual({ cheapestOffer: { id: negotiated }, cheapestPrice: { amountCents: 100 } });
    // Another buyer is never shown (nor priced with) a deal made to someone else.
    expect(await cheapest(buyerB)).toEqual({ cheapestOffer: { id: listPrice }, cheapestPrice: { amountCents: 10_000 } });
  });
});
