import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeOutcome } from '../src/metering/senders.js';
import { beyondBackdateLimit, closedBefore, reportIdentifier, retryDelayMs, unitsOf, windowStartOf } from '../src/metering/windows.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { connectVendor } from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { dataFile, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { accessToken, insertUsage, meteringWorker, usageLicense, usageRecorded } from './support/metering.js';

const HOUR = 3_600_000;
const FILE = Buffer.alloc(10_000, 3);
const METER_PATH = '/v1/billing/meter_events';

let fake: FakeStripe;
let app: TestApp;
let vendor: Org;
let buyer: Org;
let datasetId: string;
let versionId: string;

const env = (fake: FakeStripe, extra: Record<string, string> = {}) => ({
  ...fake.env(),
  ASSAY_METERING_INTERVAL_MS: '0',
  ASSAY_METERING_GRACE_MS: '60000',
  ASSAY_METERING_RETRY_BASE_MS: '20',
  ASSAY_METERING_RETRY_MAX_MS: '100',
  ASSAY_METERING_STRIPE_TIMEOUT_MS: '500',
  ASSAY_METERING_MAX_PER_SECOND: '1000',
  ...extra,
});

const hourId = (d: Date) => d.toISOString().slice(0, 13).replace(/[-T]/g, '');
const identifier = (licenseId: string, window: Date, seq: number) => `assay_${licenseId}_${hourId(window)}_${seq}`;
const download = (token: string) =>
  fetch(`${app.url}/data/${versionId}/data/part.bin`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
    status: r.status,
    bytes: (await r.arrayBuffer()).byteLength,
  }));

async function reportStatuses(
  licenseId: string,
): Promise<{ identifier: string; status: string; attempts: number; last_error: string | null }[]> {
  const res = await app.database.pool.query(
    'SELECT identifier, status, attempts, last_error FROM usage_reports WHERE license_id = $1 ORDER BY identifier',
    [licenseId],
  );
  return res.rows;
}

async function customerOf(licenseId: string): Promise<string> {
  const res = await app.database.pool.query('SELECT stripe_customer_id FROM licenses WHERE id = $1', [licenseId]);
  return res.rows[0].stripe_customer_id;
}

beforeAll(async () => {
  fake = await FakeStripe.start();
  app = await startTestApp(env(fake));
  // Half past an hour, so "this hour" and "the next" are unambiguous windows.
  const now = app.clock.now();
  app.clock.advance(windowStartOf(now).getTime() + 1.5 * HOUR - now.getTime());
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  await connectVendor(app, vendor, fake);
  ({ datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/part.bin', FILE, 100)] }));
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
});

describe('usage to Stripe Billing Meters', () => {
  it('turns N downloads into exactly one meter event per license and closed hourly window, with the right values', async () => {
    const gb = await usageLicense(app, vendor, buyer, datasetId, { usageUnit: 'GIGABYTE', includedUnits: 1 });
    const req = await usageLicense(app, vendor, buyer, datasetId, { usageUnit: 'REQUEST' });
    const rows = await usageLicense(app, vendor, buyer, datasetId, { usageUnit: 'THOUSAND_ROWS' });
    const [tGb, tReq, tRows] = await Promise.all([gb, req, rows].map((l) => accessToken(app, buyer, l.licenseId)));
    const h0 = windowStartOf(app.clock.now());
    for (let i = 0; i < 3; i++) expect((await download(tGb!)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await download(tReq!)).status).toBe(200);
    expect((await download(tRows!)).bytes).toBe(FILE.length);
    await Promise.all([usageRecorded(app, gb.licenseId, 3), usageRecorded(app, req.licenseId, 2), usageRecorded(app, rows.licenseId, 1)]);
    app.clock.advance(HOUR);
    const h1 = windowStartOf(app.clock.now());
    for (let i = 0; i < 2; i++) expect((await download(tGb!)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await download(tReq!)).status).toBe(200);
    await Promise.all([usageRecorded(app, gb.licenseId, 5), usageRecorded(app, req.licenseId, 6)]);

    // Only the closed window (h0) is reported; h1 is still open.
    const worker = meteringWorker(app);
    const first = await worker.flush();
    expect(first).toMatchObject({ newReports: 3, sent: 3, retried: 0 });
    const customer = await customerOf(gb.licenseId);
    const sent = fake.calls('POST', METER_PATH);
    expect(sent.map((c) => c.params).sort((a, b) => a.identifier.localeCompare(b.identifier))).toEqual(
      [
        {
          event_name: `assay_usage_${gb.offerId}`,
          identifier: identifier(gb.licenseId, h0, 1),
          payload: { stripe_customer_id: customer, value: '0.00003' },
          timestamp: String(h0.getTime() / 1000),
        },
        {
          event_name: `assay_usage_${req.offerId}`,
          identifier: identifier(req.licenseId, h0, 1),
          payload: { stripe_customer_id: customer, value: '2' },
          timestamp: String(h0.getTime() / 1000),
        },
        {
          event_name: `assay_usage_${rows.offerId}`,
          identifier: identifier(rows.licenseId, h0, 1),
          payload: { stripe_customer_id: customer, value: '0.1' },
          timestamp: String(h0.getTime() / 1000),
        },
      ].sort((a, b) => a.identifier.localeCompare(b.identifier)),
    );
    expect(sent.every((c) => c.idempotencyKey === c.params.identifier)).toBe(true);

    // The next hour closes (plus grace): its window is reported; nothing is sent twice.
    app.clock.advance(HOUR);
    expect(await worker.flush()).toMatchObject({ newReports: 2, sent: 2 });
    // A late batch for h0 (written after h0 was reported) becomes report 2 of h0 with only the difference.
    await insertUsage(app, [
      {
        licenseId: gb.licenseId,
        organizationId: buyer.id,
        versionId,
        servedAt: new Date(h0.getTime() + 10 * 60_000),
        bytes: 5000,
        rows: 0,
      },
    ]);
    expect(await worker.flush()).toMatchObject({ newReports: 1, sent: 1 });
    expect(await worker.flush()).toMatchObject({ newReports: 0, sent: 0 });

    const events = (id: string) =>
      [...fake.meterEvents.values()]
        .filter((e) => e.identifier.startsWith(`assay_${id}_`))
        .map((e) => [e.identifier, e.value])
        .sort();
    expect(events(gb.licenseId)).toEqual([
      [identifier(gb.licenseId, h0, 1), '0.00003'],
      [identifier(gb.licenseId, h0, 2), '0.000005'],
      [identifier(gb.licenseId, h1, 1), '0.00002'],
    ]);
    expect(events(req.licenseId)).toEqual([
      [identifier(req.licenseId, h0, 1), '2'],
      [identifier(req.licenseId, h1, 1), '4'],
    ]);
    expect(events(rows.licenseId)).toEqual([[identifier(rows.licenseId, h0, 1), '0.1']]);
    expect(fake.calls('POST', METER_PATH)).toHaveLength(6);
    expect(fake.meterEventRepeats).toBe(0);

    // The buyer sees this period's usage, what was billed, the cap and when it resets.
    const usage = ok(
      await app.gql(
        `query($id: ID!) { license(id: $id) { currentUsage { unit billingMode used includedUnits usageCap billedUnits pendingUnits periodStart resetsAt } } }`,
        { id: req.licenseId },
        buyer.key,
      ),
    ).license.currentUsage;
    expect(usage).toMatchObject({ unit: 'REQUEST', billingMode: 'STRIPE', used: 6, billedUnits: 6, pendingUnits: 0, usageCap: null });
    expect(new Date(usage.resetsAt).getTime()).toBeGreaterThan(app.clock.now().getTime());

    // Reconciliation: recorded = reported; Stripe-invoiced units are not available and say so.
    const recon = ok(
      await app.gql(
        `query($from: DateTime!, $to: DateTime!, $id: ID) { usageReconciliation(from: $from, to: $to, licenseId: $id) { license { id } recordedUnits reportedUnits pendingUnits invoicedUnits invoicedSource invoicedNote difference flags ok } }`,
        { from: new Date(h0.getTime() - HOUR).toISOString(), to: app.clock.now().toISOString(), id: gb.licenseId },
        ADMIN_KEY,
      ),
    ).usageReconciliation;
    expect(recon).toHaveLength(1);
    expect(recon[0]).toMatchObject({
      license: { id: gb.licenseId },
      invoicedUnits: null,
      invoicedSource: 'NOT_AVAILABLE',
      flags: [],
      ok: true,
    });
    expect(recon[0].recordedUnits).toBeCloseTo(0.000055, 12);
    expect(recon[0].reportedUnits).toBeCloseTo(0.000055, 12);
    expect(recon[0].invoicedNote).toMatch(/Stripe/);
  });

  it('reports every window exactly once when Stripe answers 500, 429 and times out, then recovers', async () => {
    const b2 = await signUp(app, 'BUYER');
    const lic = await usageLicense(app, vendor, b2, datasetId, { usageUnit: 'REQUEST' });
    const current = windowStartOf(app.clock.now()).getTime();
    const windows = [2, 3, 4, 5, 6, 7].map((k) => ({ start: new Date(current - k * HOUR), count: k }));
    await insertUsage(
      app,
      windows.flatMap((w) =>
        Array.from({ length: w.count }, (_, i) => ({
          licenseId: lic.licenseId,
          organizationId: b2.id,
          versionId,
          servedAt: new Date(w.start.getTime() + i * 60_000),
          bytes: 1,
          rows: 0,
        })),
      ),
    );
    const before = fake.requests.filter((r) => r.path === METER_PATH).length;
    fake.failNext('POST', METER_PATH, 500, 3);
    fake.failNext('POST', METER_PATH, 429, 2);
    // Stripe receives these two but answers after the client gave up (500 ms): the retry must not bill twice.
    fake.delayNext('POST', METER_PATH, 1200, 2);

    const worker = meteringWorker(app);
    for (let i = 0; i < 100; i++) {
      await worker.flush();
      if ((await reportStatuses(lic.licenseId)).every((r) => r.status === 'SENT')) break;
      app.clock.advance(150);
    }
    // The two delayed requests take effect at Stripe only when answered, after the worker gave up on them.
    await fake.delayedAnswered();
    const reports = await reportStatuses(lic.licenseId);
    expect(reports).toHaveLength(6);
    expect(reports.every((r) => r.status === 'SENT' && r.last_error === null)).toBe(true);
    expect(Math.max(...reports.map((r) => r.attempts))).toBeGreaterThan(1);
    const attempts = fake.requests.filter((r) => r.path === METER_PATH).length - before;
    expect(attempts).toBeGreaterThanOrEqual(6 + 7);
    const accepted = [...fake.meterEvents.values()].filter((e) => e.identifier.startsWith(`assay_${lic.licenseId}_`));
    expect(accepted.map((e) => [e.identifier, e.value]).sort()).toEqual(
      windows.map((w) => [identifier(lic.licenseId, w.start, 1), String(w.count)]).sort(),
    );
    expect(fake.meterTotals(`assay_usage_${lic.offerId}`).get(await customerOf(lic.licenseId))).toBe(2 + 3 + 4 + 5 + 6 + 7);
  });

  it('keeps a window older than Stripe accepts (35 days) as TOO_OLD and shows it in reconciliation', async () => {
    const b3 = await signUp(app, 'BUYER');
    const lic = await usageLicense(app, vendor, b3, datasetId, { usageUnit: 'REQUEST' });
    const old = new Date(app.clock.now().getTime() - 36 * 86_400_000);
    await insertUsage(app, [{ licenseId: lic.licenseId, organizationId: b3.id, versionId, servedAt: old, bytes: 1, rows: 0 }]);
    const calls = fake.calls('POST', METER_PATH).length;
    await meteringWorker(app).flush();
    expect(fake.calls('POST', METER_PATH).length).toBe(calls);
    expect((await reportStatuses(lic.licenseId)).map((r) => r.status)).toEqual(['TOO_OLD']);
    const recon = ok(
      await app.gql(
        `query($from: DateTime!, $to: DateTime!, $id: ID) { usageReconciliation(from: $from, to: $to, licenseId: $id) { recordedUnits reportedUnits tooOldUnits difference flags ok unsentReports { identifier status lastError windowStart } } }`,
        { from: new Date(old.getTime() - HOUR).toISOString(), to: app.clock.now().toISOString(), id: lic.licenseId },
        vendor.key,
      ),
    ).usageReconciliation;
    expect(recon).toEqual([
      expect.objectContaining({ recordedUnits: 1, reportedUnits: 0, tooOldUnits: 1, difference: 1, flags: ['TOO_OLD'], ok: false }),
    ]);
    expect(recon[0].unsentReports).toEqual([
      expect.objectContaining({
        status: 'TOO_OLD',
        windowStart: windowStartOf(old).toISOString(),
        lastError: expect.stringMatching(/35 days/),
      }),
    ]);
  });
});

describe('outbox lag on /metrics', () => {
  it('shows unsent reports and the oldest one’s age while Stripe is down, and zero once it caught up', async () => {
    const app2 = await startTestApp(
      env(fake, { ASSAY_METERING_INTERVAL_MS: '50', ASSAY_METERING_RETRY_BASE_MS: '600000', ASSAY_METERING_RETRY_MAX_MS: '600000' }),
    );
    try {
      const [v, b] = await Promise.all([signUp(app2, 'VENDOR'), signUp(app2, 'BUYER')]);
      await connectVendor(app2, v, fake);
      const published = await publishDataset(app2, v, {}, { files: [dataFile('data/part.bin', FILE, 100)] });
      const lic = await usageLicense(app2, v, b, published.datasetId, { usageUnit: 'REQUEST' });
      const start = windowStartOf(app2.clock.now()).getTime();
      fake.failNext('POST', METER_PATH, 503, 100_000);
      await insertUsage(
        app2,
        [3, 4, 5].map((k) => ({
          licenseId: lic.licenseId,
          organizationId: b.id,
          versionId: published.versionId,
          servedAt: new Date(start - k * HOUR),
          bytes: 1,
          rows: 0,
        })),
      );
      const gauge = async (name: string) => {
        const text = await (await fetch(`${app2.url}/metrics`)).text();
        return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      };
      await expect.poll(() => gauge('assay_metering_outbox_unsent_reports'), { timeout: 10_000 }).toBe(3);
      app2.clock.advance(90_000);
      expect(await gauge('assay_metering_outbox_oldest_unsent_age_seconds')).toBeGreaterThanOrEqual(90);
      // Stripe recovers; once the backoff has passed, the worker catches up.
      fake.heal();
      app2.clock.advance(HOUR);
      await expect.poll(() => gauge('assay_metering_outbox_unsent_reports'), { timeout: 10_000 }).toBe(0);
      expect(await gauge('assay_metering_outbox_oldest_unsent_age_seconds')).toBe(0);
      const accepted = [...fake.meterEvents.values()].filter((e) => e.identifier.startsWith(`assay_${lic.licenseId}_`));
      expect(accepted.map((e) => e.value).sort()).toEqual(['1', '1', '1']);
    } finally {
      fake.heal();
      await app2.close();
    }
  });
});

describe('metering rules', () => {
  it('windows are UTC hours, closed once past their end plus the grace', () => {
    expect(windowStartOf(new Date('2026-11-25T09:59:59.999Z')).toISOString()).toBe('2026-11-25T09:00:00.000Z');
    expect(closedBefore(new Date('2026-11-25T10:04:59Z'), 5 * 60_000).toISOString()).toBe('2026-11-25T09:00:00.000Z');
    expect(closedBefore(new Date('2026-11-25T10:05:00Z'), 5 * 60_000).toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(reportIdentifier('lic_01jd5kxyz0000000000000000a', new Date('2026-11-25T09:00:00Z'), 2)).toBe(
      'assay_lic_01jd5kxyz0000000000000000a_2026112509_2',
    );
  });

  it('converts usage to the unit exactly, and knows Stripe’s 35-day bound', () => {
    const usage = { bytes: 1_500_000_001, rows: 2_500, requests: 7 };
    expect(unitsOf('GIGABYTE', usage)).toEqual({ base: 1_500_000_001, value: '1.500000001', quantity: 1.500000001 });
    expect(unitsOf('THOUSAND_ROWS', usage)).toEqual({ base: 2_500, value: '2.5', quantity: 2.5 });
    expect(unitsOf('REQUEST', usage)).toEqual({ base: 7, value: '7', quantity: 7 });
    expect(unitsOf('GIGABYTE', { bytes: 0, rows: 0, requests: 1 }).quantity).toBe(0);
    const now = new Date('2026-11-25T12:00:00Z');
    expect(beyondBackdateLimit(new Date(now.getTime() - 34 * 86_400_000), now)).toBe(false);
    expect(beyondBackdateLimit(new Date(now.getTime() - 35 * 86_400_000), now)).toBe(true);
  });

  it('backs off exponentially with jitter, capped, and retries only what may succeed later', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(retryDelayMs(40, 1000, 60_000, () => 1)).toBe(60_000);
    expect(stripeOutcome({ type: 'StripeAPIError', statusCode: 500, message: 'boom' }).kind).toBe('RETRY');
    expect(stripeOutcome({ type: 'StripeRateLimitError', statusCode: 429, message: 'slow down' }).kind).toBe('RETRY');
    expect(stripeOutcome({ type: 'StripeConnectionError', message: 'Request aborted due to timeout' }).kind).toBe('RETRY');
    expect(stripeOutcome({ type: 'StripeInvalidRequestError', statusCode: 400, message: 'No such customer' }).kind).toBe('FAILED');
  });
});
