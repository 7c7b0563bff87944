import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { APPROVE, CANCEL, LICENSE, PRICES, REVOKE, connectVendor, createOffer, purchase, sendEvent } from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { dataFile, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { accessToken, insertUsage, meteringWorker } from './support/metering.js';

const HOUR = 3_600_000;
const FILE = 'x'.repeat(4096);
/** What a request that needs a pooled connection should take on this machine, however slow Stripe is. */
const NORMAL_MS = 2_500;

let fake: FakeStripe;
let app: TestApp;
let vendor: Org;
let datasetId: string;
let versionId: string;
/** A buyer with an ACTIVE FREE license and an access token, to download while Stripe is slow. */
let downloader: { key: string; token: string; licenseId: string };

beforeAll(async () => {
  fake = await FakeStripe.start();
  app = await startTestApp({
    ...fake.env(),
    ASSAY_METERING_INTERVAL_MS: '0',
    ASSAY_METERING_GRACE_MS: '0',
    ASSAY_WEBHOOKS_INTERVAL_MS: '0',
    // The meter may answer after 30 s and still be waited for.
    ASSAY_METERING_STRIPE_TIMEOUT_MS: '40000',
  });
  vendor = await signUp(app, 'VENDOR');
  ({ datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/part.bin', FILE, 100)] }));
  await connectVendor(app, vendor, fake);
  const buyer = await signUp(app, 'BUYER');
  const licenseId = ok(await purchase(app, buyer, await createOffer(app, vendor, datasetId))).purchaseLicense.license.id as string;
  downloader = { key: buyer.key, licenseId, token: await accessToken(app, buyer, licenseId) };
}, 120_000);
afterAll(async () => {
  await app?.close();
  await fake?.close();
});

const sessionOf = (licenseId: string) => fake.created('cs_test').filter((s) => s.client_reference_id === licenseId);

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A GraphQL read, a license read and a ranged download, each timed; all must succeed. */
async function servedMs(): Promise<number[]> {
  const timed = async (run: () => Promise<void>) => {
    const started = Date.now();
    await run();
    return Date.now() - started;
  };
  return Promise.all([
    timed(async () => {
      ok(await app.gql(`{ datasets(first: 5) { totalCount } }`));
    }),
    timed(async () => {
      expect(ok(await app.gql(LICENSE, { id: downloader.licenseId }, downloader.key)).license.status).toBe('ACTIVE');
    }),
    timed(async () => {
      const res = await fetch(`${app.url}/data/${versionId}/data/part.bin`, {
        headers: { authorization: `Bearer ${downloader.token}`, range: 'bytes=0-99' },
      });
      expect(res.status).toBe(206);
      expect((await res.text()).length).toBe(100);
    }),
  ]);
}

describe('no Stripe call inside a database transaction', () => {
  it('every Stripe call of purchases, approvals, webhooks, cancellations, revocations and metering finds no transaction of the app open', async () => {
    fake.watchTransactions(app.databaseUrl);
    try {
      const buyer = await signUp(app, 'BUYER');
      // ONE_TIME: a customer and a Checkout Session, then the webhook re-reads the session.
      const oneTime = ok(await purchase(app, buyer, await createOffer(app, vendor, datasetId, PRICES.ONE_TIME))).purchaseLicense.license;
      const { session } = fake.completeCheckout(sessionOf(oneTime.id)[0]!.id);
      expect((await sendEvent(app, fake, 'checkout.session.completed', session)).status).toBe(200);
      // SUBSCRIPTION, then cancelled at period end.
      const sub = ok(await purchase(app, buyer, await createOffer(app, vendor, datasetId, PRICES.SUBSCRIPTION))).purchaseLicense.license;
      const paid = fake.completeCheckout(sessionOf(sub.id)[0]!.id);
      expect((await sendEvent(app, fake, 'checkout.session.completed', paid.session)).status).toBe(200);
      expect(ok(await app.gql(CANCEL, { id: sub.id }, buyer.key)).cancelLicense.license.cancelAtPeriodEnd).toBe(true);
      // Approval opens the checkout; cancelling expires it.
      const approvalOffer = await createOffer(app, vendor, datasetId, { ...PRICES.ONE_TIME, requiresApproval: true });
      const requested = ok(await purchase(app, buyer, approvalOffer)).purchaseLicense.license;
      expect(ok(await app.gql(APPROVE, { id: requested.id }, vendor.key)).approveLicense.license.checkoutUrl).toMatch(/^https:/);
      expect(ok(await app.gql(CANCEL, { id: requested.id }, buyer.key)).cancelLicense.license.status).toBe('CANCELED');
      // USAGE: meter, price and subscription; usage sent to the meter; then revoked.
      const usage = ok(await purchase(app, buyer, await createOffer(app, vendor, datasetId, PRICES.USAGE))).purchaseLicense.license;
      await insertUsage(app, [
        { licenseId: usage.id, organizationId: buyer.id, versionId, servedAt: new Date(Date.now() - HOUR), bytes: 5_000, rows: 10 },
      ]);
      expect((await meteringWorker(app).flush()).sent).toBe(1);
      expect(ok(await app.gql(REVOKE, { id: usage.id, reason: 'Abuse' }, ADMIN_KEY)).revokeLicense.license.status).toBe('REVOKED');
    } finally {
      await fake.unwatchTransactions();
    }
    const paths = new Set(fake.requests.map((r) => `${r.method} ${r.path.replace(/\/(cs_test|sub)_[0-9a-f]+/, '/:id')}`));
    for (const p of [
      'POST /v1/customers',
      'POST /v1/checkout/sessions',
      'GET /v1/checkout/sessions/:id',
      'POST /v1/checkout/sessions/:id/expire',
      'POST /v1/billing/meters',
      'POST /v1/prices',
      'POST /v1/subscriptions',
      'POST /v1/subscriptions/:id',
      'DELETE /v1/subscriptions/:id',
      'POST /v1/billing/meter_events',
    ]) {
      expect(paths).toContain(p);
    }
    expect(fake.openTransactions).toEqual([]);
  }, 120_000);

  it('a Stripe hanging 30 s under a dozen purchases pins no pooled connection: reads and downloads are served at their normal pace', async () => {
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    // More purchases than the pool (ASSAY_DB_POOL_MAX, 10) has connections.
    const buyers = await Promise.all(Array.from({ length: 12 }, () => signUp(app, 'BUYER')));
    const hung = () => fake.requests.filter((r) => r.path === '/v1/checkout/sessions').length;
    const before = hung();
    fake.delayNext('POST', '/v1/checkout/sessions', 30_000, buyers.length);
    const purchases = buyers.map((b) => purchase(app, b, offerId));
    await until(() => hung() - before === buyers.length, 20_000, 'every checkout to reach Stripe');

    for (let round = 0; round < 5; round++) {
      for (const ms of await servedMs()) expect(ms).toBeLessThan(NORMAL_MS);
    }

    // The SDK gives up after 20 s and retries with the same key: one session per license, each recorded.
    const results = await Promise.all(purchases);
    for (const res of results) {
      const license = ok(res).purchaseLicense.license;
      expect(license.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.test\//);
      expect(sessionOf(license.id)).toHaveLength(1);
    }
    await until(() => fake.inFlight === 0, 20_000, 'the hung requests to end');
    for (const res of results) expect(sessionOf(res.data!.purchaseLicense.license.id)).toHaveLength(1);
  }, 90_000);

  it('a meter hanging 30 s holds no transaction while reads and downloads are served at their normal pace', async () => {
    const buyer = await signUp(app, 'BUYER');
    const usage = ok(await purchase(app, buyer, await createOffer(app, vendor, datasetId, PRICES.USAGE))).purchaseLicense.license;
    const now = Date.now();
    await insertUsage(
      app,
      [2, 3, 4, 5].map((h) => ({
        licenseId: usage.id,
        organizationId: buyer.id,
        versionId,
        servedAt: new Date(now - h * HOUR),
        bytes: 7,
        rows: 1,
      })),
    );
    const meterCalls = () => fake.requests.filter((r) => r.path === '/v1/billing/meter_events').length;
    const before = meterCalls();
    fake.watchTransactions(app.databaseUrl);
    fake.delayNext('POST', '/v1/billing/meter_events', 30_000, 4);
    try {
      const flush = meteringWorker(app).flush();
      await until(() => meterCalls() - before === 4, 20_000, 'four meter calls in flight');
      for (let round = 0; round < 5; round++) {
        for (const ms of await servedMs()) expect(ms).toBeLessThan(NORMAL_MS);
      }
      expect((await flush).sent).toBe(4);
    } finally {
      await fake.unwatchTransactions();
    }
    expect(fake.openTransactions).toEqual([]);
    const statuses = await app.database.pool.query(`SELECT status FROM usage_reports WHERE license_id = $1`, [usage.id]);
    expect(statuses.rows.map((r) => r.status)).toEqual(['SENT', 'SENT', 'SENT', 'SENT']);
  }, 90_000);
});
