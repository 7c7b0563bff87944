import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import {
  APPROVE,
  ARCHIVE_OFFER,
  LICENSE,
  PRICES,
  REJECT,
  closeStripeMarket,
  openStripeMarket,
  createOffer,
  newKey,
  purchase,
} from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { publishNextVersion, reinstate, retract, suspend } from './support/listings.js';

const LICENSES = `query { licenses(first: 100) { totalCount nodes { id status } } }`;
const PAYMENTS = `query { licenses(first: 100) { nodes { payments { id } } } }`;

/** Every license the organization holds and every payment on them: what a refused sale must leave untouched. */
async function holdings(app: TestApp, org: Org) {
  const licenses = ok(await app.gql(LICENSES, {}, org.key)).licenses;
  const payments = ok(await app.gql(PAYMENTS, {}, org.key)).licenses.nodes.flatMap((n: any) => n.payments);
  return { licenses: licenses.totalCount as number, payments: payments.length };
}

describe('local billing mode', () => {
  let app: TestApp;
  let vendor: Org;
  let otherVendor: Org;
  let buyer: Org;
  let otherBuyer: Org;

  beforeAll(async () => {
    app = await startTestApp();
    [vendor, otherVendor, buyer, otherBuyer] = await Promise.all([
      signUp(app, 'VENDOR'),
      signUp(app, 'VENDOR'),
      signUp(app, 'BUYER'),
      signUp(app, 'BUYER'),
    ]);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses an ALL-versions offer once every version is retracted, and charges nothing', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor);
    const second = await publishNextVersion(app, vendor, datasetId, '2.0.0');
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    // One version retracted: the other still sells.
    await retract(app, vendor, versionId);
    expect(ok(await purchase(app, otherBuyer, offerId)).purchaseLicense.license.status).toBe('ACTIVE');

    await retract(app, vendor, second);
    const before = await holdings(app, buyer);
    const refused = await purchase(app, buyer, offerId);
    expectError(refused, 'CONFLICT', 'input.offerId');
    expect(refused.errors![0]!.message).toMatch(/every version of this dataset was retracted/i);
    expect(await holdings(app, buyer)).toEqual(before);
    // Another vendor buying to derive from it is refused alike; the vendor itself, staff and anonymous callers as before.
    expectError(await purchase(app, otherVendor, offerId), 'CONFLICT', 'input.offerId');
    expectError(await purchase(app, vendor, offerId), 'FORBIDDEN');
    expectError(await purchase(app, { key: ADMIN_KEY }, offerId), 'FORBIDDEN');
    expectError(await purchase(app, { key: '' }, offerId), 'UNAUTHENTICATED');
    // The license bought before keeps its status.
    expect(ok(await app.gql(LICENSES, {}, otherBuyer.key)).licenses.nodes[0].status).toBe('ACTIVE');
  });

  it('refuses a free and a usage offer on a wholly retracted dataset too', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor);
    const free = await createOffer(app, vendor, datasetId);
    const usage = await createOffer(app, vendor, datasetId, PRICES.USAGE);
    await retract(app, vendor, versionId);
    expectError(await purchase(app, buyer, free), 'CONFLICT', 'input.offerId');
    expectError(await purchase(app, buyer, usage), 'CONFLICT', 'input.offerId');
  });

  it('refuses a pinned offer whose every version is retracted, while another version still sells', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor);
    const pinned = await createOffer(app, vendor, datasetId, {
      ...PRICES.ONE_TIME,
      versions: { scope: 'PINNED', versionIds: [versionId] },
    });
    await publishNextVersion(app, vendor, datasetId, '2.0.0');
    await retract(app, vendor, versionId);
    const before = await holdings(app, buyer);
    const refused = await purchase(app, buyer, pinned);
    expectError(refused, 'CONFLICT', 'input.offerId');
    expect(refused.errors![0]!.message).toMatch(/every version this offer covers was retracted/i);
    expect(await holdings(app, buyer)).toEqual(before);
    // The dataset itself still sells under an ALL offer.
    const all = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    expect(ok(await purchase(app, buyer, all)).purchaseLicense.license.status).toBe('ACTIVE');
  });

  it('does not approve a request after its dataset was suspended; it stays pending and is approved once reinstated', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.ONE_TIME, requiresApproval: true });
    const request = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    await suspend(app, datasetId);

    const refused = await app.gql(APPROVE, { id: request.id }, vendor.key);
    expectError(refused, 'CONFLICT', 'input.id');
    expect(refused.errors![0]!.message).toMatch(/suspended.*stays pending/);
    const still = ok(await app.gql(LICENSE, { id: request.id }, vendor.key)).license;
    expect(still).toMatchObject({ status: 'PENDING_APPROVAL', startsAt: null });
    expect(still.payments).toEqual([]);
    // Who may not approve is refused as before, before any of this.
    expectError(await app.gql(APPROVE, { id: request.id }, buyer.key), 'FORBIDDEN');
    expectError(await app.gql(APPROVE, { id: request.id }, otherVendor.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(APPROVE, { id: request.id }, otherBuyer.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(APPROVE, { id: request.id }), 'UNAUTHENTICATED');

    await reinstate(app, datasetId);
    const approved = ok(await app.gql(APPROVE, { id: request.id }, vendor.key)).approveLicense.license;
    expect(approved.status).toBe('ACTIVE');
    expect(ok(await app.gql(LICENSE, { id: request.id }, vendor.key)).license.payments).toHaveLength(1);
  });

  it('does not approve a request under an archived offer; the vendor can still reject it', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.SUBSCRIPTION, requiresApproval: true });
    const request = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    ok(await app.gql(ARCHIVE_OFFER, { id: offerId }, vendor.key));
    const refused = await app.gql(APPROVE, { id: request.id }, vendor.key);
    expectError(refused, 'CONFLICT', 'input.id');
    expect(refused.errors![0]!.message).toMatch(/archived/);
    const still = ok(await app.gql(LICENSE, { id: request.id }, buyer.key)).license;
    expect(still.status).toBe('PENDING_APPROVAL');
    expect(still.payments).toEqual([]);
    const rejected = ok(await app.gql(REJECT, { id: request.id, reason: 'Offer withdrawn' }, vendor.key)).rejectLicense.license;
    expect(rejected).toMatchObject({ status: 'REJECTED', rejectionReason: 'Offer withdrawn' });
  });

  it('does not approve a request once every version it would cover is retracted', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor);
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.ONE_TIME, requiresApproval: true });
    const request = ok(await purchase(app, otherBuyer, offerId)).purchaseLicense.license;
    await retract(app, vendor, versionId);
    expectError(await app.gql(APPROVE, { id: request.id }, vendor.key), 'CONFLICT', 'input.id');
    const still = ok(await app.gql(LICENSE, { id: request.id }, otherBuyer.key)).license;
    expect(still).toMatchObject({ status: 'PENDING_APPROVAL' });
    expect(still.payments).toEqual([]);
  });
});

describe('with Stripe', () => {
  let fake: FakeStripe;
  let app: TestApp;
  let vendor: Org;
  let buyer: Org;

  beforeAll(async () => ({ fake, app, vendor, buyer } = await openStripeMarket()));
  afterAll(() => closeStripeMarket({ app, fake }));

  const stripeWrites = () => ({
    sessions: fake.calls('POST', '/v1/checkout/sessions').length,
    subscriptions: fake.calls('POST', '/v1/subscriptions').length,
  });

  it('opens no Checkout Session and no subscription for a wholly retracted dataset', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor);
    const oneTime = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    const usage = await createOffer(app, vendor, datasetId, PRICES.USAGE);
    // Control: before the retraction the same offer opens a checkout.
    const control = await signUp(app, 'BUYER');
    expect(ok(await purchase(app, control, oneTime)).purchaseLicense.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.test\//);

    await retract(app, vendor, versionId);
    const before = { stripe: stripeWrites(), holdings: await holdings(app, buyer) };
    expectError(await purchase(app, buyer, oneTime), 'CONFLICT', 'input.offerId');
    expectError(await purchase(app, buyer, usage), 'CONFLICT', 'input.offerId');
    expect(stripeWrites()).toEqual(before.stripe);
    expect(await holdings(app, buyer)).toEqual(before.holdings);
  });

  it('opens no Checkout Session when a purchase is retried after every version was retracted', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor);
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    // The first attempt cannot reach Stripe: the license waits for payment without a session.
    fake.failNext('POST', '/v1/checkout/sessions', 429, 1);
    const key = newKey();
    expectError(await purchase(app, buyer, offerId, key), 'RATE_LIMITED');
    await retract(app, vendor, versionId);
    const before = stripeWrites();
    const retried = await purchase(app, buyer, offerId, key);
    expectError(retried, 'CONFLICT', 'input.offerId');
    expect(retried.errors![0]!.message).toMatch(/every version of this dataset was retracted/i);
    expect(stripeWrites()).toEqual(before);
  });

  it('opens no Checkout Session when a request is approved after its dataset was suspended', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.ONE_TIME, requiresApproval: true });
    const request = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    await suspend(app, datasetId);
    const before = stripeWrites();
    expectError(await app.gql(APPROVE, { id: request.id }, vendor.key), 'CONFLICT', 'input.id');
    expect(stripeWrites()).toEqual(before);
    expect(ok(await app.gql(LICENSE, { id: request.id }, buyer.key)).license).toMatchObject({
      status: 'PENDING_APPROVAL',
      checkoutUrl: null,
    });
    // Reinstated, the approval goes on to payment.
    await reinstate(app, datasetId);
    const approved = ok(await app.gql(APPROVE, { id: request.id }, vendor.key)).approveLicense.license;
    expect(approved.status).toBe('PENDING_PAYMENT');
    expect(stripeWrites().sessions).toBe(before.sessions + 1);
  });
});
