import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './support/app.js';
import {
  APPROVE,
  CANCEL,
  CONNECT,
  LICENSE,
  PRICES,
  REVOKE,
  closeStripeMarket,
  openStripeMarket,
  createOffer,
  newKey,
  purchase,
  sendEvent,
} from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { ADMIN_KEY } from './support/app.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

let fake: FakeStripe;
let app: TestApp;
let vendor: Org;
let buyer: Org;
let accountId: string;
let datasetId: string;

beforeAll(async () => ({ fake, app, vendor, buyer, accountId, datasetId } = await openStripeMarket()));
afterAll(() => closeStripeMarket({ app, fake }));

const license = async (id: string, key = buyer.key) => ok(await app.gql(LICENSE, { id }, key)).license;

describe('payout accounts', () => {
  it('creates an Express account and an onboarding link; capabilities follow account.updated', async () => {
    const v = await signUp(app, 'VENDOR');
    expectError(await app.gql(CONNECT, { input: {} }, v.key), 'BAD_USER_INPUT', 'input.returnUrl');
    const first = ok(await app.gql(CONNECT, { input: { returnUrl: 'https://v.example/back' } }, v.key)).connectPayoutAccount;
    expect(first.onboardingUrl).toMatch(/^https:\/\/connect\.stripe\.test\//);
    expect(first.payoutAccount).toMatchObject({ billingMode: 'STRIPE', chargesEnabled: false, payoutsEnabled: false });
    const created = fake.calls('POST', '/v1/accounts').at(-1)!;
    expect(created.params.type).toBe('express');
    expect(created.idempotencyKey).toContain(v.id);
    // Connecting again resumes onboarding with the same account.
    const again = ok(await app.gql(CONNECT, { input: { returnUrl: 'https://v.example/back' } }, v.key)).connectPayoutAccount;
    expect(again.payoutAccount.stripeAccountId).toBe(first.payoutAccount.stripeAccountId);
    // Paid offers cannot sell until the account can take charges.
    const offerId = await createOffer(app, v, (await publishDataset(app, v)).datasetId, PRICES.ONE_TIME);
    expectError(await purchase(app, buyer, offerId), 'CONFLICT', 'input.offerId');
    fake.enableAccount(first.payoutAccount.stripeAccountId);
    expect((await sendEvent(app, fake, 'account.updated', fake.get(first.payoutAccount.stripeAccountId))).status).toBe(200);
    const org = ok(await app.gql(`query { viewer { organization { payoutAccount { chargesEnabled payoutsEnabled } } } }`, {}, v.key)).viewer
      .organization;
    expect(org.payoutAccount).toEqual({ chargesEnabled: true, payoutsEnabled: true });
    expect(ok(await purchase(app, buyer, offerId)).purchaseLicense.license.status).toBe('PENDING_PAYMENT');
  });
});

describe('ONE_TIME through Stripe Checkout', () => {
  it('opens a destination-charge session with the platform fee, and activates on the signed webhook', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    expectError(
      await app.gql(
        `mutation($o: ID!) { purchaseLicense(input: { offerId: $o, idempotencyKey: "no-success-url" }) { license { id } } }`,
        { o: offerId },
        buyer.key,
      ),
      'BAD_USER_INPUT',
      'input.successUrl',
    );
    const res = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    expect(res.license).toMatchObject({ status: 'PENDING_PAYMENT', billingMode: 'STRIPE' });
    expect(res.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.test\//);
    expect(res.license.checkoutUrl).toBe(res.checkoutUrl);

    const call = fake.calls('POST', '/v1/checkout/sessions').at(-1)!;
    expect(call.idempotencyKey).toContain(res.license.id);
    expect(call.params).toMatchObject({
      mode: 'payment',
      client_reference_id: res.license.id,
      success_url: 'https://buyer.example/done',
      line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '12345' } }],
      payment_intent_data: { application_fee_amount: '1235', transfer_data: { destination: accountId }, transfer_group: res.license.id },
    });

    const sessionId = fake.created('cs_test').find((s) => s.client_reference_id === res.license.id)!.id;
    const { session } = fake.completeCheckout(sessionId);
    expect((await sendEvent(app, fake, 'checkout.session.completed', session)).status).toBe(200);
    const active = await license(res.license.id, vendor.key);
    expect(active).toMatchObject({ status: 'ACTIVE', checkoutUrl: null });
    expect(new Date(active.expiresAt).getTime() - new Date(active.startsAt).getTime()).toBe(365 * 86_400_000);
    expect(active.payments).toHaveLength(1);
    const [payment] = active.payments;
    expect(payment.amountCents).toBe(12_345);
    expect(payment.ledger.map((e: any) => [e.kind, e.amountCents, e.status])).toEqual([
      ['PLATFORM_FEE', 1235, 'RETAINED'],
      ['VENDOR_SHARE', 11_110, 'PAID_BY_CHARGE'],
    ]);
  });

  it('opens the checkout only once the vendor approves', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.ONE_TIME, requiresApproval: true });
    const before = fake.calls('POST', '/v1/checkout/sessions').length;
    const pending = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    expect(pending).toMatchObject({ checkoutUrl: null, license: { status: 'PENDING_APPROVAL' } });
    expect(fake.calls('POST', '/v1/checkout/sessions').length).toBe(before);
    const approved = ok(await app.gql(APPROVE, { id: pending.license.id }, vendor.key)).approveLicense.license;
    expect(approved.status).toBe('PENDING_PAYMENT');
    expect(approved.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.test\//);
    expect((await license(pending.license.id)).checkoutUrl).toBe(approved.checkoutUrl);
  });

  it('cancels an unpaid checkout by expiring its session', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    const pending = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    const canceled = ok(await app.gql(CANCEL, { id: pending.id }, buyer.key)).cancelLicense.license;
    expect(canceled).toMatchObject({ status: 'CANCELED', checkoutUrl: null });
    expect(
      fake.calls('POST', `/v1/checkout/sessions/${fake.created('cs_test').find((s) => s.client_reference_id === pending.id)!.id}/expire`),
    ).toHaveLength(1);
  });

  it('survives a failing Stripe: retried by the SDK, or RATE_LIMITED and then completed with the same key', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    fake.failNext('POST', '/v1/checkout/sessions', 500, 1);
    const retried = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    expect(retried.checkoutUrl).not.toBeNull();
    const attempts = fake.requests.filter((r) => r.path === '/v1/checkout/sessions' && r.params.client_reference_id === retried.license.id);
    expect(attempts.map((r) => r.status)).toEqual([500, 200]);
    expect(new Set(attempts.map((r) => r.idempotencyKey)).size).toBe(1);

    const offer2 = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    fake.failNext('POST', '/v1/checkout/sessions', 429, 1);
    const key = newKey();
    expectError(await purchase(app, buyer, offer2, key), 'RATE_LIMITED');
    const later = ok(await purchase(app, buyer, offer2, key)).purchaseLicense;
    expect(later.license.status).toBe('PENDING_PAYMENT');
    expect(later.checkoutUrl).not.toBeNull();
    expect(fake.created('cs_test').filter((s) => s.client_reference_id === later.license.id)).toHaveLength(1);
  });
});

describe('SUBSCRIPTION through Stripe Checkout', () => {
  it('follows the subscription: ACTIVE when paid, PAST_DUE on a failed renewal, back on payment, CANCELED when it ends', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.SUBSCRIPTION);
    const res = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    const call = fake.calls('POST', '/v1/checkout/sessions').at(-1)!;
    expect(call.params).toMatchObject({
      mode: 'subscription',
      line_items: [{ price_data: { currency: 'eur', unit_amount: '4999', recurring: { interval: 'month' } } }],
      subscription_data: {
        application_fee_percent: '10',
        transfer_data: { destination: accountId },
        metadata: { license_id: res.license.id },
      },
    });
    const sessionId = fake.created('cs_test').find((s) => s.client_reference_id === res.license.id)!.id;
    const { session, subscription, invoice } = fake.completeCheckout(sessionId);
    await sendEvent(app, fake, 'checkout.session.completed', session);
    await sendEvent(app, fake, 'invoice.paid', invoice!);
    expect(await license(res.license.id)).toMatchObject({ status: 'ACTIVE', cancelAtPeriodEnd: false });

    const failed = fake.renew(subscription!.id, 'failed');
    await sendEvent(app, fake, 'invoice.payment_failed', failed);
    expect((await license(res.license.id)).status).toBe('PAST_DUE');
    const paid = fake.renew(subscription!.id, 'paid');
    await sendEvent(app, fake, 'invoice.paid', paid);
    const back = await license(res.license.id, vendor.key);
    expect(back.status).toBe('ACTIVE');
    expect(back.payments.map((p: any) => p.amountCents)).toEqual([4999, 4999]);

    // The buyer cancels: the paid period runs out first.
    const canceling = ok(await app.gql(CANCEL, { id: res.license.id }, buyer.key)).cancelLicense.license;
    expect(canceling).toMatchObject({ status: 'ACTIVE', cancelAtPeriodEnd: true });
    expect(fake.get(subscription!.id).cancel_at_period_end).toBe(true);
    const ended = fake.endSubscription(subscription!.id);
    await sendEvent(app, fake, 'customer.subscription.deleted', ended);
    expect((await license(res.license.id)).status).toBe('CANCELED');
  });

  it('revoking cancels the subscription at once', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.SUBSCRIPTION);
    const res = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    const { session, subscription } = fake.completeCheckout(
      fake.created('cs_test').find((s) => s.client_reference_id === res.license.id)!.id,
    );
    await sendEvent(app, fake, 'checkout.session.completed', session);
    const revoked = ok(await app.gql(REVOKE, { id: res.license.id, reason: 'Abuse' }, ADMIN_KEY)).revokeLicense.license;
    expect(revoked.status).toBe('REVOKED');
    expect(fake.get(subscription!.id).status).toBe('canceled');
    // Stripe's later events do not bring it back.
    await sendEvent(app, fake, 'customer.subscription.deleted', fake.get(subscription!.id));
    expect((await license(res.license.id)).status).toBe('REVOKED');
  });
});

describe('FREE with Stripe configured', () => {
  it('is ACTIVE at once without calling Stripe', async () => {
    const offerId = await createOffer(app, vendor, datasetId);
    const before = fake.requests.length;
    const res = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    expect(res).toMatchObject({ checkoutUrl: null, license: { status: 'ACTIVE', pricingModel: 'FREE' } });
    expect(fake.requests.length).toBe(before);
  });
});

describe('USAGE through a Billing Meter', () => {
  it('creates one meter and metered price per offer and an ACTIVE metered subscription per license', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.USAGE);
    const meters = fake.created('mtr').length;
    const first = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    expect(first.checkoutUrl).toBeNull();
    expect(first.license).toMatchObject({ status: 'ACTIVE', billingMode: 'STRIPE', pricingModel: 'USAGE' });
    const other = await signUp(app, 'BUYER');
    expect(ok(await purchase(app, other, offerId)).purchaseLicense.license.status).toBe('ACTIVE');
    expect(fake.created('mtr').length).toBe(meters + 1);
    const meter = fake.created('mtr').at(-1)!;
    expect(meter.event_name).toBe(`assay_usage_${offerId}`);
    const price = fake.calls('POST', '/v1/prices').at(-1)!.params;
    expect(price).toMatchObject({
      currency: 'usd',
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      tiers: [
        { up_to: '10', unit_amount: '0' },
        { up_to: 'inf', unit_amount: '25' },
      ],
    });
    const subs = fake.calls('POST', '/v1/subscriptions').slice(-2);
    expect(subs.map((s) => s.params.transfer_data.destination)).toEqual([accountId, accountId]);
    expect(subs[0]!.params.application_fee_percent).toBe('10');
  });
});

describe('concurrent purchases', () => {
  it('50 concurrent purchases with one key make one license and one Checkout Session', async () => {
    const b = await signUp(app, 'BUYER');
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    const before = fake.calls('POST', '/v1/checkout/sessions').length;
    const key = newKey('same');
    const results = await Promise.all(Array.from({ length: 50 }, () => purchase(app, b, offerId, key)));
    const ids = new Set(results.map((r) => ok(r).purchaseLicense.license.id));
    expect(ids.size).toBe(1);
    expect(new Set(results.map((r) => r.data!.purchaseLicense.checkoutUrl)).size).toBe(1);
    expect(fake.calls('POST', '/v1/checkout/sessions').length - before).toBe(1);
    expect(ok(await app.gql(`query { licenses { totalCount } }`, {}, b.key)).licenses.totalCount).toBe(1);
  });

  it('50 concurrent purchases with different keys leave one live license; the rest get CONFLICT', async () => {
    const b = await signUp(app, 'BUYER');
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    const before = fake.calls('POST', '/v1/checkout/sessions').length;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => purchase(app, b, offerId, newKey(`k${i}`))));
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.errors)) {
      expect(r.errors![0]!.extensions.code).toBe('CONFLICT');
      expect(r.errors![0]!.extensions.licenseId).toBe(winners[0]!.data!.purchaseLicense.license.id);
    }
    expect(fake.calls('POST', '/v1/checkout/sessions').length - before).toBe(1);
    expect(ok(await app.gql(`query { licenses { totalCount } }`, {}, b.key)).licenses.totalCount).toBe(1);
  });
});
