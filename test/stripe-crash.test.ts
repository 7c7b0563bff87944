import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_CLAIM_MS } from '../src/billing/stripe-client.js';
import { apiClient, startTestApp, type ApiClient, type TestApp } from './support/app.js';
import { PRICES, connectVendor, createOffer, newKey, purchase } from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { dataFile, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { insertUsage, meteringWorker } from './support/metering.js';
import { killWorkerProcesses, startWorkerProcess } from './support/worker-process.js';

const HOUR = 3_600_000;

let fake: FakeStripe;
let app: TestApp;
let vendor: Org;
let datasetId: string;
let versionId: string;

/** A real server process (`test/support/metering-server.ts`) on the test database, with the given extra settings. */
async function startServer(env: Record<string, string> = {}): Promise<{ api: ApiClient; kill(): Promise<void> }> {
  const worker = startWorkerProcess(app.databaseUrl, {
    ASSAY_SECRET: app.secret,
    ...fake.env(),
    ASSAY_METERING_INTERVAL_MS: '0',
    ASSAY_WEBHOOKS_INTERVAL_MS: '0',
    ...env,
  });
  return {
    api: apiClient(await worker.ready()),
    async kill() {
      worker.child.kill('SIGKILL');
      await worker.exited;
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const requestsFor = (p: string, licenseId: string) =>
  fake.requests.filter((r) => r.path === p && (r.params.client_reference_id ?? r.params.metadata?.license_id) === licenseId);
/** Moves the test app's clock (which stands still) past a lease of `ms` the server process took just now. */
const passLease = (ms: number) => app.clock.advance(Math.max(0, Date.now() - app.clock.now().getTime()) + ms + 1000);
const licenseRow = async (id: string) => (await app.database.pool.query(`SELECT * FROM licenses WHERE id = $1`, [id])).rows[0];

beforeAll(async () => {
  fake = await FakeStripe.start();
  app = await startTestApp({
    ...fake.env(),
    ASSAY_METERING_INTERVAL_MS: '0',
    ASSAY_METERING_GRACE_MS: '0',
    ASSAY_WEBHOOKS_INTERVAL_MS: '0',
  });
  vendor = await signUp(app, 'VENDOR');
  ({ datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/part.bin', 'x'.repeat(100), 10)] }));
  await connectVendor(app, vendor, fake);
}, 120_000);
afterAll(async () => {
  killWorkerProcesses();
  await app?.close();
  await fake?.close();
});

/**
 * Buys under `offerId` through a server process that is killed (SIGKILL) while its call to `stripePath` is in flight
 * (claimed, not recorded); Stripe still completes that call. Returns the license and the key the buyer used.
 */
async function purchaseKilledMidCall(buyer: Org, offerId: string, stripePath: string) {
  const server = await startServer();
  const key = newKey('crash');
  const seen = fake.requests.filter((r) => r.path === stripePath).length;
  fake.delayNext('POST', stripePath, 2_000, 1);
  const attempt = purchase(server.api, buyer, offerId, key).catch(() => 'killed');
  await until(() => fake.requests.filter((r) => r.path === stripePath).length > seen, 30_000, `the call to ${stripePath}`);
  await server.kill();
  expect(await attempt).toBe('killed');
  const licenseId = (
    await app.database.pool.query(`SELECT id FROM licenses WHERE licensee_id = $1 AND idempotency_key = $2`, [buyer.id, key])
  ).rows[0].id as string;
  // The claim was committed before the call and nothing was recorded.
  const row = await licenseRow(licenseId);
  expect(row).toMatchObject({ status: 'PENDING_PAYMENT', stripe_checkout_session_id: null, stripe_subscription_id: null });
  expect(row.stripe_claimed_until).not.toBeNull();
  // Stripe completes the request the dead process made.
  await until(() => fake.inFlight === 0, 10_000, 'the cut request to end at Stripe');
  return { licenseId, key };
}

describe('a server killed between claiming Stripe work and recording its result', () => {
  it('a checkout: the retry with the same key, once the lease ran out, records the one session Stripe made', async () => {
    const buyer = await signUp(app, 'BUYER');
    const offerId = await createOffer(app, vendor, datasetId, PRICES.ONE_TIME);
    const { licenseId, key } = await purchaseKilledMidCall(buyer, offerId, '/v1/checkout/sessions');
    expect(fake.created('cs_test').filter((s) => s.client_reference_id === licenseId)).toHaveLength(1);

    passLease(STRIPE_CLAIM_MS);
    const retried = ok(await purchase(app, buyer, offerId, key)).purchaseLicense;
    expect(retried.license.id).toBe(licenseId);
    const sessions = fake.created('cs_test').filter((s) => s.client_reference_id === licenseId);
    expect(sessions).toHaveLength(1);
    expect(retried.checkoutUrl).toBe(sessions[0]!.url);
    const calls = requestsFor('/v1/checkout/sessions', licenseId);
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(await licenseRow(licenseId)).toMatchObject({ stripe_checkout_session_id: sessions[0]!.id, stripe_claimed_until: null });
  }, 120_000);

  it('a metered subscription: the retry records the one subscription Stripe made, and the license is ACTIVE', async () => {
    const buyer = await signUp(app, 'BUYER');
    const offerId = await createOffer(app, vendor, datasetId, PRICES.USAGE);
    const { licenseId, key } = await purchaseKilledMidCall(buyer, offerId, '/v1/subscriptions');

    passLease(STRIPE_CLAIM_MS);
    const retried = ok(await purchase(app, buyer, offerId, key)).purchaseLicense.license;
    expect(retried).toMatchObject({ id: licenseId, status: 'ACTIVE' });
    const subs = fake.created('sub').filter((s) => s.metadata.license_id === licenseId);
    expect(subs).toHaveLength(1);
    expect(new Set(requestsFor('/v1/subscriptions', licenseId).map((c) => c.idempotencyKey)).size).toBe(1);
    expect(await licenseRow(licenseId)).toMatchObject({ stripe_subscription_id: subs[0]!.id, stripe_claimed_until: null });
  }, 120_000);

  it('a meter event: after the lease the report is resent with the same identifier, counted once, and marked SENT', async () => {
    const buyer = await signUp(app, 'BUYER');
    const offerId = await createOffer(app, vendor, datasetId, PRICES.USAGE);
    const licenseId = ok(await purchase(app, buyer, offerId)).purchaseLicense.license.id as string;
    await insertUsage(app, [
      { licenseId, organizationId: buyer.id, versionId, servedAt: new Date(Date.now() - HOUR), bytes: 3_000, rows: 3 },
    ]);
    const meterPath = '/v1/billing/meter_events';
    fake.delayNext('POST', meterPath, 2_000, 1);
    const server = await startServer({ ASSAY_METERING_INTERVAL_MS: '50', ASSAY_METERING_GRACE_MS: '0' });
    const sent = () => fake.requests.filter((r) => r.path === meterPath && r.params.identifier?.includes(licenseId));
    await until(() => sent().length === 1, 30_000, 'the meter call');
    await server.kill();
    await until(() => fake.inFlight === 0, 10_000, 'the cut request to end at Stripe');
    const report = async () => (await app.database.pool.query(`SELECT * FROM usage_reports WHERE license_id = $1`, [licenseId])).rows;
    expect((await report()).map((r) => r.status)).toEqual(['PENDING']);

    // Within the lease nobody sends it again; after it, the next pass does.
    expect((await meteringWorker(app).flush()).sent).toBe(0);
    passLease(10 * 60_000);
    expect((await meteringWorker(app).flush()).sent).toBe(1);
    const identifiers = sent().map((r) => r.params.identifier as string);
    expect(identifiers).toHaveLength(2);
    expect(new Set(identifiers).size).toBe(1);
    expect([...fake.meterEvents.keys()].filter((id) => id.includes(licenseId))).toEqual(identifiers.slice(0, 1));
    expect((await report()).map((r) => [r.status, r.attempts])).toEqual([['SENT', 1]]);
  }, 120_000);
});
