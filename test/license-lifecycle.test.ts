import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type TestApp } from './support/app.js';
import {
  CANCEL,
  LICENSE,
  PRICES,
  REJECT,
  REVOKE,
  closeStripeMarket,
  openStripeMarket,
  createOffer,
  purchase,
  sendEvent,
} from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { expectError, ok, type Org } from './support/fixtures.js';

let fake: FakeStripe;
let app: TestApp;
let vendor: Org;
let buyer: Org;
let datasetId: string;

beforeAll(async () => {
  ({ fake, app, vendor, buyer, datasetId } = await openStripeMarket());
}, 60_000);
afterAll(() => closeStripeMarket({ app, fake }));

const status = async (id: string) => ok(await app.gql(LICENSE, { id }, buyer.key)).license.status as string;

/** An ACTIVE SUBSCRIPTION license paid through Checkout, and its Stripe subscription id. */
async function activeSubscription(): Promise<{ licenseId: string; subscriptionId: string }> {
  const license = ok(await purchase(app, buyer, await createOffer(app, vendor, datasetId, PRICES.SUBSCRIPTION))).purchaseLicense.license;
  const { session, subscription } = fake.completeCheckout(fake.created('cs_test').find((s) => s.client_reference_id === license.id)!.id);
  expect((await sendEvent(app, fake, 'checkout.session.completed', session)).status).toBe(200);
  expect(await status(license.id)).toBe('ACTIVE');
  return { licenseId: license.id, subscriptionId: subscription!.id };
}

describe('the license lifecycle', () => {
  it('refuses a transition the lifecycle does not allow with CONFLICT naming the status the license is in', async () => {
    const { licenseId } = await activeSubscription();
    expectError(await app.gql(REJECT, { id: licenseId, reason: 'Too late' }, vendor.key), 'CONFLICT', 'input.id');
    ok(await app.gql(REVOKE, { id: licenseId, reason: 'Abuse' }, ADMIN_KEY));
    const refused = await app.gql(CANCEL, { id: licenseId }, buyer.key);
    expectError(refused, 'CONFLICT', 'input.id');
    expect(refused.errors![0]!.extensions.status).toBe('REVOKED');
    expect(await status(licenseId)).toBe('REVOKED');
  });

  it('Stripe cannot move a license where the lifecycle does not go: ACTIVE never falls back to PENDING_PAYMENT, CANCELED never comes back', async () => {
    const { licenseId, subscriptionId } = await activeSubscription();
    fake.get(subscriptionId).status = 'incomplete';
    expect((await sendEvent(app, fake, 'customer.subscription.updated', fake.get(subscriptionId))).status).toBe(200);
    expect(await status(licenseId)).toBe('ACTIVE');

    fake.endSubscription(subscriptionId);
    expect((await sendEvent(app, fake, 'customer.subscription.deleted', fake.get(subscriptionId))).status).toBe(200);
    expect(await status(licenseId)).toBe('CANCELED');
    Object.assign(fake.get(subscriptionId), { status: 'active', ended_at: null });
    expect((await sendEvent(app, fake, 'customer.subscription.updated', fake.get(subscriptionId))).status).toBe(200);
    expect(await status(licenseId)).toBe('CANCELED');
  });

  it('a paused subscription suspends the license, and its buyer may cancel it then: the subscription ends at once', async () => {
    const { licenseId, subscriptionId } = await activeSubscription();
    fake.get(subscriptionId).status = 'paused';
    expect((await sendEvent(app, fake, 'customer.subscription.updated', fake.get(subscriptionId))).status).toBe(200);
    expect(await status(licenseId)).toBe('SUSPENDED');
    const canceled = ok(await app.gql(CANCEL, { id: licenseId }, buyer.key)).cancelLicense.license;
    expect(canceled.status).toBe('CANCELED');
    expect(fake.get(subscriptionId).status).toBe('canceled');
  });
});
