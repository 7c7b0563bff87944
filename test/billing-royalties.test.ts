import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitByBasisPoints, splitPayment } from '../src/billing/split.js';
import { startTestApp, type TestApp } from './support/app.js';
import { CREATE_OFFER, LICENSE, PRICES, connectVendor, createOffer, offerInput, purchase, sendEvent } from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

describe('the split, to the cent', () => {
  it('always adds up, with the largest remainder getting the leftover cents', () => {
    expect(
      splitByBasisPoints(999, [
        { key: 'a', basisPoints: 1000 },
        { key: 'b', basisPoints: 9000 },
      ]).map((s) => s.amountCents),
    ).toEqual([100, 899]);
    expect(
      splitByBasisPoints(1, [
        { key: 'a', basisPoints: 5000 },
        { key: 'b', basisPoints: 5000 },
      ]).map((s) => s.amountCents),
    ).toEqual([1, 0]);
    for (let amount = 0; amount < 5000; amount += 7) {
      const split = splitPayment(amount, 1000, [
        { organizationId: 'org_a', sourceDatasetId: 'ds_a', basisPoints: 333 },
        { organizationId: 'org_b', sourceDatasetId: 'ds_b', basisPoints: 1234 },
      ]);
      const parts = [split.platformFee, split.vendorShare, ...split.royalties].map((s) => s.amountCents);
      expect(parts.reduce((s, n) => s + n, 0)).toBe(amount);
      expect(parts.every((n) => n >= 0 && Number.isInteger(n))).toBe(true);
      const exact = (bps: number) => (amount * bps) / 10_000;
      expect(Math.abs(split.platformFee.amountCents - exact(1000))).toBeLessThan(1);
    }
  });

  it('scales royalties down when they and the fee would exceed the payment', () => {
    const split = splitPayment(10_000, 2000, [
      { organizationId: 'org_a', sourceDatasetId: 'ds_a', basisPoints: 5000 },
      { organizationId: 'org_b', sourceDatasetId: 'ds_b', basisPoints: 5000 },
    ]);
    expect(split.royalties.map((r) => r.amountCents)).toEqual([4000, 4000]);
    expect(split.vendorShare.amountCents).toBe(0);
    expect(split.platformFee.amountCents).toBe(2000);
  });
});

describe('royalties over a three-level lineage', () => {
  let fake: FakeStripe;
  let app: TestApp;
  beforeAll(async () => {
    fake = await FakeStripe.start();
    app = await startTestApp(fake.env());
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  // Not an open license: deriving from it takes a license that permits it.
  const RESTRICTED = {
    spdxId: 'LicenseRef-Proprietary',
    commercialUse: true,
    modelTraining: true,
    derivatives: true,
    syntheticGeneration: true,
    redistribution: false,
    attributionRequired: true,
  };
  const derivedFrom = (versionId: string) => ({
    provenance: { method: 'LLM_GENERATION', generator: { model: 'llama-3.1-8b' }, sources: [{ versionId, role: 'SEED', rowsUsed: '10' }] },
  });

  it('pays every upstream vendor its royalty: transfers to connected ones, a balance for the others; the ledger adds up', async () => {
    const [a, b, c, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
    const accountB = await connectVendor(app, b, fake);
    const accountC = await connectVendor(app, c, fake);
    // A (real data, no payout account) asks derivatives for 5%; B (derived from A) for 3%.
    const rootA = await publishDataset(app, a, { kind: 'REAL', terms: RESTRICTED });
    const offerA = await createOffer(app, a, rootA.datasetId, { terms: RESTRICTED, royaltyBps: 500 });
    expect(ok(await purchase(app, b, offerA)).purchaseLicense.license.status).toBe('ACTIVE');
    const midB = await publishDataset(app, b, { kind: 'SYNTHETIC', terms: RESTRICTED }, derivedFrom(rootA.versionId));
    const offerB = await createOffer(app, b, midB.datasetId, { terms: RESTRICTED, royaltyBps: 300 });
    expect(ok(await purchase(app, c, offerB)).purchaseLicense.license.status).toBe('ACTIVE');
    const leafC = await publishDataset(app, c, { kind: 'SYNTHETIC', terms: RESTRICTED }, derivedFrom(midB.versionId));

    // C's offer cannot grant what the ancestry withholds.
    expectError(
      await app.gql(CREATE_OFFER, { input: offerInput(leafC.datasetId, { terms: { ...RESTRICTED, attributionRequired: false } }) }, c.key),
      'BAD_USER_INPUT',
      'input.terms.attributionRequired',
    );
    const offerC = await createOffer(app, c, leafC.datasetId, { ...PRICES.ONE_TIME, amountCents: 10_001, terms: RESTRICTED });
    const pending = ok(await purchase(app, buyer, offerC)).purchaseLicense.license;
    // 10% fee + 5% + 3% royalties stay with the platform; the vendor's 82% goes by the destination charge.
    const call = fake.calls('POST', '/v1/checkout/sessions').at(-1)!;
    expect(call.params.payment_intent_data).toMatchObject({ application_fee_amount: '1800', transfer_data: { destination: accountC } });

    const sessionId = fake.created('cs_test').find((s) => s.client_reference_id === pending.id)!.id;
    const { session } = fake.completeCheckout(sessionId);
    await sendEvent(app, fake, 'checkout.session.completed', session);
    await sendEvent(app, fake, 'checkout.session.completed', session);

    const read = ok(await app.gql(LICENSE, { id: pending.id }, c.key)).license;
    expect(read.status).toBe('ACTIVE');
    expect(read.payments).toHaveLength(1);
    const ledger = read.payments[0].ledger.map((e: any) => ({
      kind: e.kind,
      org: e.organization?.id ?? null,
      cents: e.amountCents,
      bps: e.basisPoints,
      status: e.status,
    }));
    expect(ledger).toEqual(
      expect.arrayContaining([
        { kind: 'PLATFORM_FEE', org: null, cents: 1000, bps: 1000, status: 'RETAINED' },
        { kind: 'VENDOR_SHARE', org: c.id, cents: 8201, bps: 8200, status: 'PAID_BY_CHARGE' },
        { kind: 'ROYALTY', org: a.id, cents: 500, bps: 500, status: 'BALANCE' },
        { kind: 'ROYALTY', org: b.id, cents: 300, bps: 300, status: 'TRANSFERRED' },
      ]),
    );
    expect(ledger).toHaveLength(4);
    expect(ledger.reduce((s: number, e: any) => s + e.cents, 0)).toBe(10_001);

    const transfers = fake.calls('POST', '/v1/transfers');
    expect(transfers).toHaveLength(1);
    const charge = fake.get(fake.get(session.payment_intent).latest_charge);
    expect(transfers[0]!.params).toMatchObject({
      amount: '300',
      currency: 'usd',
      destination: accountB,
      source_transaction: charge.id,
      transfer_group: pending.id,
    });
    expect(transfers[0]!.idempotencyKey).toMatch(/^assay:royalty-transfer:/);

    const balances = async (org: Org) =>
      ok(await app.gql(`query { viewer { organization { royaltyBalances { amountCents currency } } } }`, {}, org.key)).viewer.organization
        .royaltyBalances;
    expect(await balances(a)).toEqual([{ amountCents: 500, currency: 'usd' }]);
    expect(await balances(b)).toEqual([]);

    // Once A can take payouts, its balance is transferred (from the platform balance, grouped by license).
    await connectVendor(app, a, fake);
    expect(await balances(a)).toEqual([]);
    const toA = fake.calls('POST', '/v1/transfers').at(-1)!;
    expect(toA.params).toMatchObject({ amount: '500', transfer_group: pending.id, source_transaction: charge.id });
  });
});
