import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitsOf, windowStartOf } from '../src/metering/windows.js';
import { startTestApp, type TestApp } from './support/app.js';
import { connectVendor } from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { dataFile, publishDataset, signUp } from './support/fixtures.js';
import { insertUsage, usageLicense } from './support/metering.js';
import { killWorkerProcesses, startWorkerProcess } from './support/worker-process.js';

const HOUR = 3_600_000;
const METER_PATH = '/v1/billing/meter_events';
/** Between polls of a condition (a process's output, the fake Stripe's requests). */
const pollInterval = () => new Promise((r) => setTimeout(r, 50));

let fake: FakeStripe;
let app: TestApp;
type Lic = { licenseId: string; offerId: string; unit: 'GIGABYTE' | 'THOUSAND_ROWS' | 'REQUEST'; customer: string; buyerId: string };
let licenses: Lic[];
let versionId: string;

/** A real server process on the test database, its metering worker on a short interval. */
const startServer = () =>
  startWorkerProcess(app.databaseUrl, {
    ...fake.env(),
    ASSAY_METERING_INTERVAL_MS: '20',
    ASSAY_METERING_GRACE_MS: '0',
    ASSAY_METERING_BATCH: '10',
    ASSAY_METERING_CONCURRENCY: '4',
    ASSAY_METERING_MAX_PER_SECOND: '400',
    ASSAY_METERING_RETRY_BASE_MS: '50',
    ASSAY_METERING_RETRY_MAX_MS: '200',
    // Keeps the claim lease of a batch short (a few timeouts), so reports a killed process claimed are due again soon.
    ASSAY_METERING_STRIPE_TIMEOUT_MS: '1000',
  });

/** Usage for every license in `hours` past hourly windows; returns the expected meter value per identifier. */
async function seedWindows(hours: number[]): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  const current = windowStartOf(new Date()).getTime();
  const rows = [];
  for (const [n, lic] of licenses.entries()) {
    for (const k of hours) {
      const start = current - k * HOUR;
      const count = 1 + ((k + n) % 4);
      const usage = { bytes: 0, rows: 0, requests: count };
      for (let i = 0; i < count; i++) {
        const bytes = 1_000_000 + 137 * k + i;
        usage.bytes += bytes;
        usage.rows += 250;
        rows.push({
          licenseId: lic.licenseId,
          organizationId: lic.buyerId,
          versionId,
          servedAt: new Date(start + i * 60_000),
          bytes,
          rows: 250,
        });
      }
      expected.set(
        `assay_${lic.licenseId}_${new Date(start).toISOString().slice(0, 13).replace(/[-T]/g, '')}_1`,
        unitsOf(lic.unit, usage).value,
      );
    }
  }
  await insertUsage(app, rows);
  return expected;
}

async function reportStatuses(): Promise<Map<string, string>> {
  const res = await app.database.pool.query('SELECT identifier, status FROM usage_reports');
  return new Map(res.rows.map((r) => [r.identifier, r.status]));
}

/** Meter event requests the fake received per identifier (answered or not). */
function requestsPerIdentifier(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of fake.requests) if (r.path === METER_PATH) counts.set(r.params.identifier, (counts.get(r.params.identifier) ?? 0) + 1);
  return counts;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pollInterval();
  }
}

beforeAll(async () => {
  fake = await FakeStripe.start();
  // The in-test server only sets up licenses; its own worker is off.
  app = await startTestApp({ ...fake.env(), ASSAY_METERING_INTERVAL_MS: '0' });
  const [vendor, b1, b2] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER'), signUp(app, 'BUYER')]);
  await connectVendor(app, vendor, fake);
  const published = await publishDataset(app, vendor, {}, { files: [dataFile('data/part.bin', 'x'.repeat(100), 10)] });
  versionId = published.versionId;
  licenses = [];
  for (const [buyer, unit] of [
    [b1, 'GIGABYTE'],
    [b1, 'REQUEST'],
    [b2, 'THOUSAND_ROWS'],
  ] as const) {
    const lic = await usageLicense(app, vendor, buyer, published.datasetId, { usageUnit: unit });
    const customer = (await app.database.pool.query('SELECT stripe_customer_id FROM licenses WHERE id = $1', [lic.licenseId])).rows[0]
      .stripe_customer_id;
    licenses.push({ ...lic, unit, customer, buyerId: buyer.id });
  }
}, 120_000);
afterAll(async () => {
  killWorkerProcesses();
  await app?.close();
  await fake?.close();
});

describe('metering across real server processes', () => {
  it('loses and duplicates nothing when the server is killed (SIGKILL) in the middle of flushes, again and again', async () => {
    const expected = await seedWindows(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(expected.size).toBe(180);
    // Every meter call takes a while, so kills land while requests are in flight and row locks are held.
    fake.delayNext('POST', METER_PATH, 300, 1_000_000);
    for (let round = 0; round < 5; round++) {
      const seen = fake.requests.filter((r) => r.path === METER_PATH).length;
      const server = startServer();
      await until(
        async () => fake.requests.filter((r) => r.path === METER_PATH).length >= seen + 5 + 3 * round,
        30_000,
        `meter calls in round ${round}`,
      ).catch(async (err) => {
        const statuses = [...(await reportStatuses()).values()];
        throw new Error(
          `${(err as Error).message}: seen ${seen}, now ${fake.requests.filter((r) => r.path === METER_PATH).length}, reports ${statuses.length}, sent ${statuses.filter((x) => x === 'SENT').length}`,
        );
      });
      server.child.kill('SIGKILL');
      await server.exited;
    }
    const sentBeforeLast = [...(await reportStatuses()).values()].filter((s) => s === 'SENT').length;
    expect(sentBeforeLast).toBeLessThan(180);

    const last = startServer();
    await last.ready();
    await until(
      async () => {
        const statuses = await reportStatuses();
        return statuses.size === 180 && [...statuses.values()].every((s) => s === 'SENT');
      },
      60_000,
      'every report sent',
    );
    last.child.kill('SIGTERM');
    await last.exited;
    fake.heal();

    // The kills did cut sends short: some identifiers reached Stripe again after a restart, and were counted once.
    expect([...requestsPerIdentifier().values()].some((n) => n > 1)).toBe(true);
    // One report per license and window, each accepted once with exactly the usage of its window.
    const statuses = await reportStatuses();
    expect([...statuses.keys()].sort()).toEqual([...expected.keys()].sort());
    const accepted = new Map([...fake.meterEvents.values()].map((e) => [e.identifier, e.value]));
    expect(accepted).toEqual(expected);
    for (const lic of licenses) {
      const total = [...expected].filter(([id]) => id.startsWith(`assay_${lic.licenseId}_`)).reduce((s, [, v]) => s + Number(v), 0);
      expect(fake.meterTotals(`assay_usage_${lic.offerId}`).get(lic.customer)).toBeCloseTo(total, 9);
    }
  }, 180_000);

  it('two processes flushing at once never send the same identifier twice', async () => {
    const before = requestsPerIdentifier();
    const expected = await seedWindows(Array.from({ length: 60 }, (_, i) => i + 100));
    fake.delayNext('POST', METER_PATH, 10, 1_000_000);
    const [a, b] = [startServer(), startServer()];
    await Promise.all([a.ready(), b.ready()]);
    await until(
      async () => {
        const statuses = await reportStatuses();
        return [...expected.keys()].every((id) => statuses.get(id) === 'SENT');
      },
      60_000,
      'every report sent',
    );
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
    fake.heal();
    const after = requestsPerIdentifier();
    for (const id of expected.keys()) expect([id, (after.get(id) ?? 0) - (before.get(id) ?? 0)]).toEqual([id, 1]);
    const accepted = new Map([...fake.meterEvents.values()].filter((e) => expected.has(e.identifier)).map((e) => [e.identifier, e.value]));
    expect(accepted).toEqual(expected);
  }, 180_000);
});
