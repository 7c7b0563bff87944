import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createTestDatabase } from './support/app.js';
import { eventually } from './support/app-process.js';
import { connectVendor } from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { ok, publishDataset, signUp } from './support/fixtures.js';
import { REVOKE_TOKEN, download, issueToken, refusedWithin, roundRobinProxy, startInstances, type Proxy } from './support/instances.js';
import { usageLicense } from './support/metering.js';

const METER_PATH = '/v1/billing/meter_events';
/** The shared budget of one access token: 40 requests per 30 s window across all instances (not 40 per instance). */
const BURST = 40;

let fake: FakeStripe;
let db: pg.Pool;
let cluster: Awaited<ReturnType<typeof startInstances>>;
let proxy: Proxy;

beforeAll(async () => {
  fake = await FakeStripe.start();
  const databaseUrl = await createTestDatabase();
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  cluster = await startInstances(databaseUrl, 3, {
    ...fake.env(),
    ASSAY_RATE_LIMIT_STORE: 'postgres',
    ASSAY_RATE_LIMIT_PER_MINUTE: String(BURST * 2),
    ASSAY_RATE_LIMIT_BURST: String(BURST),
    // Every instance runs its metering worker, often; windows are billed as soon as they close.
    ASSAY_METERING_INTERVAL_MS: '100',
    ASSAY_METERING_GRACE_MS: '0',
    ASSAY_METERING_RETRY_BASE_MS: '50',
    ASSAY_METERING_RETRY_MAX_MS: '200',
  });
  proxy = await roundRobinProxy(cluster.instances.map((p) => p.url));
}, 240_000);
afterAll(async () => {
  await proxy?.close();
  await cluster?.stop();
  await db?.end();
  await fake?.close();
});

describe('three server processes behind a round-robin proxy', () => {
  it('serve a buyer’s whole flow as one: purchase, token, downloads, revocation everywhere, one shared rate limit, usage billed once', async () => {
    const api = apiClient(proxy.url);
    const [vendor, buyer] = [await signUp(api, 'VENDOR'), await signUp(api, 'BUYER')];
    await connectVendor(api, vendor, fake);
    const { datasetId, versionId } = await publishDataset(api, vendor);
    const { licenseId, offerId } = await usageLicense(api, vendor, buyer, datasetId, { usageUnit: 'REQUEST' });
    const get = (base: string, token: string) => download(base, versionId, 'data/train.jsonl', token);

    // Downloads through the proxy land on every instance in turn, and each serves the file.
    const first = await issueToken(api, buyer, licenseId);
    const before = [...proxy.forwarded];
    const served: Awaited<ReturnType<typeof get>>[] = [];
    for (let i = 0; i < 6; i++) served.push(await get(proxy.url, first.token));
    expect(served.map((s) => s.status)).toEqual(Array(6).fill(200));
    expect(served.every((s) => s.body.toString() === served[0]!.body.toString())).toBe(true);
    expect(proxy.forwarded.map((n, i) => n - before[i]!)).toEqual([2, 2, 2]);

    // Revoked through one instance, refused by every instance (each had the token cached) within a second.
    ok(await api.gql(REVOKE_TOKEN, { id: first.id }, buyer.key));
    // Until its notification arrives an instance still serves the token from its cache: those downloads are served,
    // so they are recorded and billed like the others.
    let servedWhileRevoking = 0;
    await Promise.all(
      cluster.instances.map((p) =>
        refusedWithin(1000, 'TOKEN_REVOKED', async () => {
          const res = await get(p.url, first.token);
          if (res.status === 200) servedWhileRevoking++;
          return res;
        }),
      ),
    );

    // One budget for the token across the three instances: 40 requests pass, not 3 x 40.
    const second = await issueToken(api, buyer, licenseId);
    const statuses: number[] = [];
    for (let i = 0; i < BURST + 20; i++) statuses.push((await get(proxy.url, second.token)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST);
    expect(statuses.slice(BURST)).toEqual(Array(20).fill(429));

    // Every served response is recorded once (each instance writes its own within ~100 ms)...
    const servedCount = 6 + servedWhileRevoking + BURST;
    const recorded = async () =>
      Number((await db.query('SELECT count(*)::int AS n FROM usage_events WHERE license_id = $1', [licenseId])).rows[0].n);
    await eventually(async () => (await recorded()) === servedCount, 10_000, 'usage recorded').catch(async (err) => {
      throw new Error(`${(err as Error).message}: ${await recorded()} of ${servedCount}`);
    });
    // ...and billed once when its hour has closed. The processes' clocks cannot be moved, so the hour passes for the
    // usage instead: every event moves one window back (from the open hour to the closed one before it).
    await db.query(`UPDATE usage_events SET served_at = served_at - interval '1 hour' WHERE license_id = $1`, [licenseId]);
    const customer = (await db.query('SELECT stripe_customer_id FROM licenses WHERE id = $1', [licenseId])).rows[0].stripe_customer_id;
    const reportsOf = async () =>
      (
        await db.query<{ identifier: string; status: string }>('SELECT identifier, status FROM usage_reports WHERE license_id = $1', [
          licenseId,
        ])
      ).rows;
    // Billed once the meter has it all and every report is marked SENT (each worker writes that after Stripe answers).
    await eventually(
      async () =>
        fake.meterTotals(`assay_usage_${offerId}`).get(customer) === servedCount && (await reportsOf()).every((r) => r.status === 'SENT'),
      30_000,
      'usage billed',
    );
    const reports = { rows: await reportsOf() };
    expect(reports.rows.length).toBeGreaterThanOrEqual(1);
    // Three workers, and each identifier was sent to the meter exactly once.
    const sends = () => fake.requests.filter((r) => r.path === METER_PATH && r.params.identifier?.startsWith(`assay_${licenseId}_`));
    expect(
      sends()
        .map((r) => r.params.identifier)
        .sort(),
    ).toEqual(reports.rows.map((r) => r.identifier).sort());
    expect(fake.meterTotals(`assay_usage_${offerId}`).get(customer)).toBe(servedCount);
  }, 180_000);
});
