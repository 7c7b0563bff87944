import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './support/app.js';
import { LICENSE, PRICES, closeStripeMarket, openStripeMarket, createOffer, postWebhook, purchase, sendEvent } from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { ok, type Org } from './support/fixtures.js';

let fake: FakeStripe;
let app: TestApp;
let vendor: Org;
let buyer: Org;
let datasetId: string;

beforeAll(async () => ({ fake, app, vendor, buyer, datasetId } = await openStripeMarket()));
afterAll(() => closeStripeMarket({ app, fake }));

const license = async (id: string) => ok(await app.gql(LICENSE, { id }, vendor.key)).license;

/** A ONE_TIME license waiting for payment, and its Checkout Session paid on the fake's side. */
async function paidCheckout() {
  const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
  const pending = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
  const sessionId = fake.created('cs_test').find((s) => s.client_reference_id === pending.id)!.id;
  return { licenseId: pending.id as string, session: fake.completeCheckout(sessionId).session };
}

/** A tiny seeded PRNG, so a failing order can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32;
}
function shuffle<T>(items: T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe('signatures', () => {
  it('refuses forged, stale, tampered and missing signatures with 400, changing nothing', async () => {
    const { licenseId, session } = await paidCheckout();
    const good = fake.event('checkout.session.completed', session);
    const forged = fake.event('checkout.session.completed', session, { id: good.id, secret: 'whsec_not_the_secret' });
    const stale = fake.event('checkout.session.completed', session, { id: good.id, timestamp: Math.floor(Date.now() / 1000) - 600 });
    for (const [payload, signature] of [
      [forged.payload, forged.signature],
      [stale.payload, stale.signature],
      [good.payload.replace('"paid"', '"unpaid"'), good.signature],
      [good.payload, undefined],
      [good.payload, 't=1,v1=deadbeef'],
    ] as const) {
      const res = await postWebhook(app, payload, signature);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/signature/i);
    }
    expect((await license(licenseId)).status).toBe('PENDING_PAYMENT');
    // The refused attempts did not use up the event id.
    const accepted = await postWebhook(app, good.payload, good.signature);
    expect(accepted).toEqual({ status: 200, body: { received: true, duplicate: false, handled: true } });
    expect((await license(licenseId)).status).toBe('ACTIVE');
  });

  it('acknowledges and ignores unknown event types', async () => {
    const res = await sendEvent(app, fake, 'radar.early_fraud_warning.created', { id: 'issfr_123', object: 'radar.early_fraud_warning' });
    expect(res).toEqual({ status: 200, body: { received: true, duplicate: false, handled: false } });
  });
});

describe('replays', () => {
  it('applies an event id once, even when delivered concurrently', async () => {
    const { licenseId, session } = await paidCheckout();
    const event = fake.event('checkout.session.completed', session);
    const results = await Promise.all(Array.from({ length: 5 }, () => postWebhook(app, event.payload, event.signature)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.filter((r) => !r.body.duplicate)).toHaveLength(1);
    // A different event about the same payment settles nothing twice either.
    await sendEvent(app, fake, 'checkout.session.async_payment_succeeded', session);
    const read = await license(licenseId);
    expect(read.status).toBe('ACTIVE');
    expect(read.payments).toHaveLength(1);
    // The audit trail has each delivered event once, and the activation once, attributed to Stripe.
    const audited = await app.database.pool.query(
      `SELECT action, details FROM audit_events WHERE (action = 'webhook.received' AND subject_id = $1) OR (action = 'license.activated' AND license_id = $2)`,
      [event.id, licenseId],
    );
    expect(audited.rows.map((r) => r.action).sort()).toEqual(['license.activated', 'webhook.received']);
    expect(audited.rows.find((r) => r.action === 'license.activated').details).toMatchObject({ source: 'stripe', from: 'PENDING_PAYMENT' });
  });
});

describe('out-of-order delivery', () => {
  it('ends in the same state whatever the order, duplicates and replays of a subscription’s events', async () => {
    for (let round = 0; round < 8; round++) {
      const rand = random(round + 1);
      const endsCanceled = round % 2 === 1;
      const offerId = await createOffer(app, vendor, datasetId, PRICES.SUBSCRIPTION);
      const pending = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
      const sessionId = fake.created('cs_test').find((s) => s.client_reference_id === pending.id)!.id;
      // Stripe's side moves through its whole history first; the events about it then arrive in any order.
      const { session, subscription, invoice } = fake.completeCheckout(sessionId);
      const events = [
        fake.event('checkout.session.completed', session),
        fake.event('customer.subscription.created', subscription!),
        fake.event('invoice.paid', invoice!),
      ];
      events.push(fake.event('invoice.payment_failed', fake.renew(subscription!.id, 'failed')));
      events.push(fake.event('customer.subscription.updated', fake.get(subscription!.id)));
      events.push(fake.event('invoice.paid', fake.renew(subscription!.id, 'paid')));
      events.push(fake.event('customer.subscription.updated', fake.get(subscription!.id)));
      if (endsCanceled) events.push(fake.event('customer.subscription.deleted', fake.endSubscription(subscription!.id)));
      const deliveries = shuffle([...events, ...events.filter(() => rand() < 0.5)], rand);
      for (const e of deliveries) expect((await postWebhook(app, e.payload, e.signature)).status).toBe(200);

      const read = await license(pending.id);
      expect(read.status, `round ${round}`).toBe(endsCanceled ? 'CANCELED' : 'ACTIVE');
      expect(read.payments.map((p: any) => p.amountCents)).toEqual([4999, 4999]);
      for (const p of read.payments) expect(p.ledger.reduce((s: number, e: any) => s + e.amountCents, 0)).toBe(p.amountCents);
    }
  });

  it('keeps a PAST_DUE license past due when the older "paid" event arrives last', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.SUBSCRIPTION);
    const pending = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    const { session, subscription, invoice } = fake.completeCheckout(
      fake.created('cs_test').find((s) => s.client_reference_id === pending.id)!.id,
    );
    const failed = fake.renew(subscription!.id, 'failed');
    await sendEvent(app, fake, 'invoice.payment_failed', failed);
    await sendEvent(app, fake, 'invoice.paid', invoice!);
    await sendEvent(app, fake, 'checkout.session.completed', session);
    expect((await license(pending.id)).status).toBe('PAST_DUE');
  });
});
