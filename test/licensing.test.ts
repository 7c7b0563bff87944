import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import {
  APPROVE,
  ARCHIVE_OFFER,
  CANCEL,
  CONNECT,
  LICENSE,
  PRICES,
  REJECT,
  REVOKE,
  createOffer,
  newKey,
  purchase,
} from './support/commerce.js';
import { OPEN_TERMS, addMember, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
let otherVendor: Org;
let buyer: Org;
let otherBuyer: Org;
let datasetId: string;

beforeAll(async () => {
  app = await startTestApp();
  [vendor, otherVendor, buyer, otherBuyer] = await Promise.all([
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
  ]);
  datasetId = (await publishDataset(app, vendor)).datasetId;
});
afterAll(async () => {
  await app?.close();
});

const DAY = 86_400_000;
const LICENSES = `query { licenses(first: 100) { totalCount nodes { id } } }`;

describe('local billing mode', () => {
  it('FREE licenses are ACTIVE at once, labelled LOCAL, without a checkout', async () => {
    const offerId = await createOffer(app, vendor, datasetId);
    const res = ok(await purchase(app, buyer, offerId)).purchaseLicense;
    expect(res.checkoutUrl).toBeNull();
    expect(res.license).toMatchObject({
      status: 'ACTIVE',
      billingMode: 'LOCAL',
      pricingModel: 'FREE',
      checkoutUrl: null,
      waitingSeconds: null,
    });
    expect(res.license.startsAt).not.toBeNull();
  });

  it('paid offers of every model are paid at once, and the ledger adds up to the payment', async () => {
    for (const model of ['ONE_TIME', 'SUBSCRIPTION', 'USAGE'] as const) {
      const offerId = await createOffer(app, vendor, datasetId, PRICES[model]);
      const license = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
      expect(license).toMatchObject({ status: 'ACTIVE', billingMode: 'LOCAL', pricingModel: model, checkoutUrl: null });
      const read = ok(await app.gql(LICENSE, { id: license.id }, vendor.key)).license;
      if (model === 'USAGE') {
        expect(read.payments).toEqual([]);
        continue;
      }
      expect(read.payments).toHaveLength(1);
      const [payment] = read.payments;
      expect(payment).toMatchObject({ amountCents: PRICES[model].amountCents, billingMode: 'LOCAL' });
      expect(payment.ledger.reduce((s: number, e: any) => s + e.amountCents, 0)).toBe(payment.amountCents);
      expect(payment.ledger.find((e: any) => e.kind === 'PLATFORM_FEE').amountCents).toBe(Math.round(PRICES[model].amountCents * 0.1));
      // The buyer sees the payment but not the vendor's ledger.
      expect(ok(await app.gql(LICENSE, { id: license.id }, buyer.key)).license.payments[0].ledger).toEqual([]);
    }
  });

  it('connects a local payout account at once, for vendor owners only', async () => {
    const member = await addMember(app, vendor, 'MEMBER');
    expectError(await app.gql(CONNECT, { input: {} }, member.key), 'FORBIDDEN');
    expectError(await app.gql(CONNECT, { input: {} }, buyer.key), 'FORBIDDEN');
    expectError(await app.gql(CONNECT, { input: {} }, ADMIN_KEY), 'FORBIDDEN');
    expectError(await app.gql(CONNECT, { input: {} }), 'UNAUTHENTICATED');
    const res = ok(await app.gql(CONNECT, { input: {} }, vendor.key)).connectPayoutAccount;
    expect(res).toEqual({
      onboardingUrl: null,
      payoutAccount: { billingMode: 'LOCAL', stripeAccountId: null, chargesEnabled: true, payoutsEnabled: true },
    });
  });

  it('answers the Stripe webhook route with a clear 404', async () => {
    const res = await fetch(`${app.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).message).toMatch(/local billing mode/);
  });
});

describe('idempotency and one live license per offer', () => {
  it('returns the same license for the same key, and CONFLICT for a second live purchase', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    const key = newKey();
    const first = ok(await purchase(app, buyer, offerId, key)).purchaseLicense.license;
    const again = ok(await purchase(app, buyer, offerId, key)).purchaseLicense.license;
    expect(again.id).toBe(first.id);
    const member = await addMember(app, buyer, 'MEMBER');
    expect(ok(await purchase(app, member, offerId, key)).purchaseLicense.license.id).toBe(first.id);
    const second = await purchase(app, buyer, offerId);
    expectError(second, 'CONFLICT', 'input.offerId');
    expect(second.errors![0]!.extensions.licenseId).toBe(first.id);
    // The same key for another offer is a client bug.
    const otherOffer = await createOffer(app, vendor, datasetId);
    expectError(await purchase(app, buyer, otherOffer, key), 'CONFLICT', 'input.idempotencyKey');
    // Another organization is unaffected.
    ok(await purchase(app, otherBuyer, offerId, key));
  });

  it('lets a buyer purchase again once the term has expired', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { ...PRICES.ONE_TIME, termDays: 30 });
    const first = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    expect(new Date(first.expiresAt).getTime() - new Date(first.startsAt).getTime()).toBe(30 * DAY);
    app.clock.advance(31 * DAY);
    expect(ok(await app.gql(LICENSE, { id: first.id }, buyer.key)).license.status).toBe('EXPIRED');
    const second = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    expect(second.id).not.toBe(first.id);
    expect(second.status).toBe('ACTIVE');
  });
});

describe('approval', () => {
  it('waits for the vendor, shows how long it waited, and is approved or rejected with a reason', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { requiresApproval: true });
    const pending = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    expect(pending).toMatchObject({ status: 'PENDING_APPROVAL', waitingSeconds: 0 });
    app.clock.advance(90_000);
    expect(ok(await app.gql(LICENSE, { id: pending.id }, buyer.key)).license.waitingSeconds).toBe(90);

    expectError(await app.gql(APPROVE, { id: pending.id }), 'UNAUTHENTICATED');
    expectError(await app.gql(APPROVE, { id: pending.id }, buyer.key), 'FORBIDDEN');
    expectError(await app.gql(APPROVE, { id: pending.id }, otherVendor.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(APPROVE, { id: pending.id }, otherBuyer.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(REJECT, { id: pending.id, reason: 'no' }, buyer.key), 'FORBIDDEN');
    expectError(await app.gql(REJECT, { id: pending.id, reason: 'no' }, otherVendor.key), 'NOT_FOUND', 'input.id');

    const member = await addMember(app, vendor, 'MEMBER');
    const approved = ok(await app.gql(APPROVE, { id: pending.id }, member.key)).approveLicense.license;
    expect(approved).toMatchObject({ status: 'ACTIVE', waitingSeconds: 90 });
    app.clock.advance(60_000);
    expect(ok(await app.gql(LICENSE, { id: pending.id }, buyer.key)).license.waitingSeconds).toBe(90);
    expectError(await app.gql(APPROVE, { id: pending.id }, vendor.key), 'CONFLICT', 'input.id');

    const paidOffer = await createOffer(app, vendor, datasetId, { ...PRICES.ONE_TIME, requiresApproval: true });
    const request = ok(await purchase(app, otherBuyer, paidOffer)).purchaseLicense.license;
    const rejected = ok(await app.gql(REJECT, { id: request.id, reason: 'Academic use only' }, vendor.key)).rejectLicense.license;
    expect(rejected).toMatchObject({ status: 'REJECTED', rejectionReason: 'Academic use only' });
    expectError(await app.gql(REJECT, { id: request.id, reason: 'again' }, vendor.key), 'CONFLICT', 'input.id');
    // A rejected request is not live: the buyer may ask again.
    const again = ok(await purchase(app, otherBuyer, paidOffer)).purchaseLicense.license;
    const paid = ok(await app.gql(APPROVE, { id: again.id }, vendor.key)).approveLicense.license;
    expect(paid.status).toBe('ACTIVE');
    expect(ok(await app.gql(LICENSE, { id: again.id }, vendor.key)).license.payments).toHaveLength(1);
  });
});

describe('who may buy, cancel and revoke', () => {
  it('refuses anonymous callers, staff without an organization, own datasets and archived offers', async () => {
    const offerId = await createOffer(app, vendor, datasetId);
    expectError(await purchase(app, { key: '' }, offerId), 'UNAUTHENTICATED');
    expectError(await purchase(app, { key: ADMIN_KEY }, offerId), 'FORBIDDEN');
    expectError(await purchase(app, vendor, offerId), 'FORBIDDEN');
    // Vendors may license other vendors' data (to derive from it).
    expect(ok(await purchase(app, otherVendor, offerId)).purchaseLicense.license.status).toBe('ACTIVE');
    const archived = await createOffer(app, vendor, datasetId);
    const kept = ok(await purchase(app, buyer, archived)).purchaseLicense.license;
    ok(await app.gql(ARCHIVE_OFFER, { id: archived }, vendor.key));
    expectError(await purchase(app, otherBuyer, archived), 'NOT_FOUND', 'input.offerId');
    // The license bought before keeps its status and terms.
    expect(ok(await app.gql(LICENSE, { id: kept.id }, buyer.key)).license).toMatchObject({
      status: 'ACTIVE',
      terms: { commercialUse: true },
    });
    expectError(await purchase(app, buyer, 'off_00000000000000000000000000'), 'NOT_FOUND', 'input.offerId');
    expectError(
      await app.gql(`mutation { purchaseLicense(input: { offerId: "nope", idempotencyKey: "k" }) { license { id } } }`, {}, buyer.key),
      'BAD_USER_INPUT',
      'input.offerId',
    );
  });

  it('snapshots the terms at purchase', async () => {
    const narrow = { ...OPEN_TERMS, redistribution: false };
    const offerId = await createOffer(app, vendor, datasetId, { terms: narrow });
    const license = ok(await purchase(app, otherBuyer, offerId)).purchaseLicense.license;
    expect(license.terms).toMatchObject({ commercialUse: true, derivatives: true });
    expect(license.versions).toBeNull();
  });

  it('lets licensee members cancel, nobody else', async () => {
    const offerId = await createOffer(app, vendor, datasetId);
    const license = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    expectError(await app.gql(CANCEL, { id: license.id }), 'UNAUTHENTICATED');
    expectError(await app.gql(CANCEL, { id: license.id }, vendor.key), 'FORBIDDEN');
    expectError(await app.gql(CANCEL, { id: license.id }, otherBuyer.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(CANCEL, { id: license.id }, ADMIN_KEY), 'FORBIDDEN');
    const member = await addMember(app, buyer, 'MEMBER');
    expect(ok(await app.gql(CANCEL, { id: license.id }, member.key)).cancelLicense.license.status).toBe('CANCELED');
    expectError(await app.gql(CANCEL, { id: license.id }, buyer.key), 'CONFLICT', 'input.id');
  });

  it('lets only admins revoke, with a reason', async () => {
    const offerId = await createOffer(app, vendor, datasetId);
    const license = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    const auditor = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "A", email: "auditor-lic@assay.example", role: AUDITOR }) { secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser.secret;
    for (const key of [buyer.key, vendor.key, otherVendor.key, auditor]) {
      expectError(await app.gql(REVOKE, { id: license.id, reason: 'x' }, key), 'FORBIDDEN');
    }
    expectError(await app.gql(REVOKE, { id: license.id, reason: '' }, ADMIN_KEY), 'BAD_USER_INPUT', 'input.reason');
    const revoked = ok(await app.gql(REVOKE, { id: license.id, reason: 'Terms violated' }, ADMIN_KEY)).revokeLicense.license;
    expect(revoked).toMatchObject({ status: 'REVOKED', revocationReason: 'Terms violated' });
    expectError(await app.gql(CANCEL, { id: license.id }, buyer.key), 'CONFLICT', 'input.id');
  });
});

describe('reading licenses', () => {
  it('shows buyers their own, vendors those of their datasets, staff all; node() agrees', async () => {
    const b = await signUp(app, 'BUYER');
    const v = await signUp(app, 'VENDOR');
    const { datasetId: ds } = await publishDataset(app, v);
    const offerId = await createOffer(app, v, ds);
    const license = ok(await purchase(app, b, offerId)).purchaseLicense.license;
    const ids = async (key: string) => ok(await app.gql(LICENSES, {}, key)).licenses.nodes.map((n: any) => n.id);
    expect(await ids(b.key)).toEqual([license.id]);
    expect(await ids(v.key)).toEqual([license.id]);
    expect(await ids(otherBuyer.key)).not.toContain(license.id);
    expect(await ids(ADMIN_KEY)).toContain(license.id);
    expectError(await app.gql(LICENSES), 'UNAUTHENTICATED');
    const node = `query($id: ID!) { node(id: $id) { ... on License { id status } } }`;
    expect(ok(await app.gql(node, { id: license.id }, b.key)).node).toEqual({ id: license.id, status: 'ACTIVE' });
    expect(ok(await app.gql(node, { id: license.id }, otherVendor.key)).node).toBeNull();
    expect(ok(await app.gql(LICENSE, { id: license.id }, otherBuyer.key)).license).toBeNull();
    // Pagination.
    const page = ok(
      await app.gql(`query { licenses(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`, {}, ADMIN_KEY),
    ).licenses;
    expect(page.nodes).toHaveLength(2);
    const next = ok(
      await app.gql(
        `query($after: String) { licenses(first: 2, after: $after) { nodes { id } } }`,
        { after: page.pageInfo.endCursor },
        ADMIN_KEY,
      ),
    ).licenses;
    expect(next.nodes[0].id < page.nodes[1].id).toBe(true);
  });
});
