import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import {
  APPROVE,
  CREATE_OFFER,
  PRICES,
  REJECT,
  REVOKE,
  closeStripeMarket,
  openStripeMarket,
  createOffer,
  offerInput,
  purchase,
  sendEvent,
} from './support/commerce.js';
import { EVENTS } from './support/events.js';
import { FakeStripe } from './support/fake-stripe.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { waitFor } from './support/webhook-receiver.js';

const DAY = 86_400_000;
const TRIAL_LICENSE = `query($id: ID!) { license(id: $id) { id status trialEndsAt currentPeriodEnd startsAt payments { amountCents } } }`;

type Ev = { type: string; data: Record<string, any> };
async function trialEvents(app: TestApp, org: { key: string }): Promise<Ev[]> {
  const data = ok(await app.gql(EVENTS, { first: 100, types: ['trial.ending'] }, org.key));
  return data.events.edges.map((e: { node: Ev }) => e.node);
}

describe('trials in local billing mode', () => {
  let app: TestApp;
  let vendor: Org;
  let buyerA: Org;
  let buyerB: Org;
  let datasetId: string;

  beforeAll(async () => {
    // The periodic jobs run often so the reminder shows up soon after the clock moves.
    app = await startTestApp({ ASSAY_JOBS_EXPIRE_LICENSES_INTERVAL_MS: '100', ASSAY_JOBS_LEADER_RETRY_MS: '50' });
    [vendor, buyerA, buyerB] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER'), signUp(app, 'BUYER')]);
    datasetId = (await publishDataset(app, vendor)).datasetId;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('takes trialDays only on SUBSCRIPTION and USAGE offers, 1..365', async () => {
    for (const [price, trialDays] of [
      [PRICES.ONE_TIME, 7],
      [PRICES.FREE, 7],
      [PRICES.SUBSCRIPTION, 0],
      [PRICES.SUBSCRIPTION, 366],
      [PRICES.USAGE, 1.5],
    ] as const) {
      const res = await app.gql(CREATE_OFFER, { input: offerInput(datasetId, { ...price, trialDays }) }, vendor.key);
      expectError(res, 'BAD_USER_INPUT', 'input.trialDays');
    }
    const res = await app.gql(
      `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id trialDays } } }`,
      { input: offerInput(datasetId, { ...PRICES.USAGE, trialDays: 365 }) },
      vendor.key,
    );
    expect(ok(res).createOffer.offer.trialDays).toBe(365);
  });

  it('a trial ends on time, is reminded exactly once three days before, and is granted once per organization and offer', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.SUBSCRIPTION, trialDays: 10 });
    const longOfferId = await createOffer(app, vendor, datasetId, { ...PRICES.SUBSCRIPTION, trialDays: 30 });
    const t0 = app.clock.now().getTime();
    const a = ok(await purchase(app, buyerA, offerId)).purchaseLicense.license;
    const long = ok(await purchase(app, buyerA, longOfferId)).purchaseLicense.license;

    const trial = ok(await app.gql(TRIAL_LICENSE, { id: a.id }, buyerA.key)).license;
    expect(trial.status).toBe('ACTIVE');
    expect(Date.parse(trial.trialEndsAt)).toBe(t0 + 10 * DAY);
    // The first paid period starts when the trial ends; nothing is charged during it.
    expect(trial.currentPeriodEnd).toBe(trial.trialEndsAt);
    expect(trial.payments).toEqual([]);

    // Seven days and a minute on: the trial ends within three days.
    app.clock.advance(7 * DAY + 60_000);
    const events = await waitFor(async () => {
      const evs = await trialEvents(app, buyerA);
      return evs.length > 0 ? evs : null;
    });
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ licenseId: a.id, offerId, trialEndsAt: trial.trialEndsAt });
    expect((await trialEvents(app, vendor)).map((e) => e.data.licenseId)).toEqual([a.id]);
    // The 30-day trial is not due yet; another buyer's events are not in A's stream.
    expect(events.some((e) => e.data.licenseId === long.id)).toBe(false);

    // A later trial, bought now and reminded later, proves the job kept running without reminding A again.
    const b = ok(await purchase(app, buyerB, offerId)).purchaseLicense.license;
    expect((await trialEvents(app, buyerB)).length).toBe(0);
    app.clock.advance(8 * DAY);
    await waitFor(async () => (await trialEvents(app, buyerB)).length === 1);
    expect((await trialEvents(app, buyerA)).map((e) => e.data.licenseId)).toEqual([a.id]);
    expect((await trialEvents(app, vendor)).map((e) => e.data.licenseId)).toEqual([a.id, b.id]);

    // One trial per organization and offer: after the license ends, buying again pays at once.
    ok(await app.gql(REVOKE, { id: a.id, reason: 'Trial abuse check' }, ADMIN_KEY));
    const again = ok(await purchase(app, buyerA, offerId)).purchaseLicense.license;
    const paid = ok(await app.gql(TRIAL_LICENSE, { id: again.id }, buyerA.key)).license;
    expect(paid.trialEndsAt).toBeNull();
    expect(paid.payments).toEqual([{ amountCents: PRICES.SUBSCRIPTION.amountCents }]);
  });

  it('a rejected request does not use up the organization’s trial', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.SUBSCRIPTION, trialDays: 5, requiresApproval: true });
    const request = ok(await purchase(app, buyerB, offerId)).purchaseLicense.license;
    expect(request.status).toBe('PENDING_APPROVAL');
    ok(await app.gql(REJECT, { id: request.id, reason: 'Not this quarter' }, vendor.key));
    const second = ok(await purchase(app, buyerB, offerId)).purchaseLicense.license;
    const approved = ok(await app.gql(APPROVE, { id: second.id }, vendor.key)).approveLicense.license;
    const shown = ok(await app.gql(TRIAL_LICENSE, { id: approved.id }, buyerB.key)).license;
    expect(shown.status).toBe('ACTIVE');
    expect(Date.parse(shown.trialEndsAt)).toBe(app.clock.now().getTime() + 5 * DAY);
    expect(shown.payments).toEqual([]);
  });

  it('offers without a trial show no trial end', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.SUBSCRIPTION);
    const license = ok(await purchase(app, buyerB, offerId)).purchaseLicense.license;
    expect(ok(await app.gql(TRIAL_LICENSE, { id: license.id }, buyerB.key)).license.trialEndsAt).toBeNull();
  });
});

describe('trials through Stripe', () => {
  let fake: FakeStripe;
  let app: TestApp;
  let vendor: Org;
  let buyer: Org;
  let datasetId: string;

  beforeAll(async () => ({ fake, app, vendor, buyer, datasetId } = await openStripeMarket()));
  afterAll(() => closeStripeMarket({ app, fake }));

  it('a SUBSCRIPTION checkout carries trial_period_days and the license shows the subscription’s trial end', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.SUBSCRIPTION, trialDays: 14 });
    const res = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    expect(fake.calls('POST', '/v1/checkout/sessions').at(-1)!.params).toMatchObject({
      mode: 'subscription',
      subscription_data: { trial_period_days: '14', metadata: { license_id: res.license.id } },
    });
    const sessionId = fake.created('cs_test').find((s) => s.client_reference_id === res.license.id)!.id;
    const { session, subscription, invoice } = fake.completeCheckout(sessionId);
    expect(subscription!.status).toBe('trialing');
    await sendEvent(app, fake, 'checkout.session.completed', session);
    await sendEvent(app, fake, 'invoice.paid', invoice!);
    const license = ok(await app.gql(TRIAL_LICENSE, { id: res.license.id }, buyer.key)).license;
    expect(license.status).toBe('ACTIVE');
    expect(Date.parse(license.trialEndsAt)).toBe(subscription!.trial_end * 1000);
    expect(license.payments).toEqual([]);
  });

  it('a USAGE subscription is created with trial_period_days', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.USAGE, trialDays: 7 });
    const license = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    expect(fake.calls('POST', '/v1/subscriptions').at(-1)!.params).toMatchObject({
      trial_period_days: '7',
      metadata: { license_id: license.id },
    });
    const shown = ok(await app.gql(TRIAL_LICENSE, { id: license.id }, buyer.key)).license;
    expect(shown.status).toBe('ACTIVE');
    expect(shown.trialEndsAt).not.toBeNull();
  });
});
