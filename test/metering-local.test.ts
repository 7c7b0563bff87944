import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowStartOf } from '../src/metering/windows.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { CANCEL, REVOKE } from './support/commerce.js';
import { addMember, dataFile, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { accessToken, denialsRecorded, meteringWorker, usageLicense, usageRecorded } from './support/metering.js';

const HOUR = 3_600_000;
const FILE = Buffer.alloc(20_000, 5);

let app: TestApp;
let vendor: Org;
let otherVendor: Org;
let buyer: Org;
let datasetId: string;
let versionId: string;
let licenseId: string;
let offerId: string;
let h0: Date;

const download = (token: string) =>
  fetch(`${app.url}/data/${versionId}/data/part.bin`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
    status: r.status,
    body: r.status === 200 ? (await r.arrayBuffer(), undefined) : ((await r.json()) as { error: string; message: string }),
  }));

const USAGE = `query($id: ID!, $from: DateTime!, $to: DateTime!, $g: UsageGranularity) { usage(licenseId: $id, from: $from, to: $to, granularity: $g) { start end requests bytes rows units } }`;
const RECON = `query($from: DateTime!, $to: DateTime!, $id: ID) { usageReconciliation(from: $from, to: $to, licenseId: $id) { license { id } billingMode recordedUnits reportedUnits invoicedUnits invoicedSource difference flags ok } }`;
const VENDOR_USAGE = `query($from: DateTime!, $to: DateTime!) { vendorUsage(from: $from, to: $to) { licensee { id } dataset { id } unit licenses requests bytes rows units } }`;

beforeAll(async () => {
  app = await startTestApp({ ASSAY_METERING_INTERVAL_MS: '0', ASSAY_METERING_GRACE_MS: '60000' });
  const now = app.clock.now();
  app.clock.advance(windowStartOf(now).getTime() + 1.5 * HOUR - now.getTime());
  [vendor, otherVendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  ({ datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/part.bin', FILE, 200)] }));
  ({ licenseId, offerId } = await usageLicense(app, vendor, buyer, datasetId, { usageUnit: 'GIGABYTE', includedUnits: 5, usageCap: 100 }));
  const token = await accessToken(app, buyer, licenseId);
  h0 = windowStartOf(app.clock.now());
  for (let i = 0; i < 3; i++) expect((await download(token)).status).toBe(200);
  await usageRecorded(app, licenseId, 3);
  app.clock.advance(2 * HOUR);
  await meteringWorker(app).flush();
});
afterAll(async () => {
  await app?.close();
});

const range = () => ({ from: new Date(h0.getTime() - 2 * HOUR).toISOString(), to: app.clock.now().toISOString() });

describe('local billing mode', () => {
  it('runs the same pipeline into the local meter ledger, and reconciliation compares against it', async () => {
    const ledger = await app.database.pool.query(
      'SELECT identifier, event_name, organization_id, value, event_at FROM local_meter_events WHERE license_id = $1',
      [licenseId],
    );
    expect(ledger.rows).toEqual([
      {
        identifier: `assay_${licenseId}_${h0.toISOString().slice(0, 13).replace(/[-T]/g, '')}_1`,
        event_name: `assay_usage_${offerId}`,
        organization_id: buyer.id,
        value: '0.00006',
        event_at: h0,
      },
    ]);
    // A second flush records nothing more.
    await meteringWorker(app).flush();
    expect((await app.database.pool.query('SELECT count(*)::int AS n FROM local_meter_events')).rows[0].n).toBe(1);
    const [row] = ok(await app.gql(RECON, { ...range(), id: licenseId }, ADMIN_KEY)).usageReconciliation;
    expect(row).toMatchObject({ license: { id: licenseId }, billingMode: 'LOCAL', invoicedSource: 'LOCAL_LEDGER', flags: [], ok: true });
    expect(row.recordedUnits).toBeCloseTo(0.00006, 12);
    expect(row.reportedUnits).toBeCloseTo(0.00006, 12);
    expect(row.invoicedUnits).toBeCloseTo(0.00006, 12);
    expect(row.difference).toBeCloseTo(0, 12);

    const current = ok(
      await app.gql(
        `query($id: ID!) { license(id: $id) { currentUsage { unit billingMode used includedUnits usageCap billedUnits pendingUnits resetsAt } } }`,
        { id: licenseId },
        buyer.key,
      ),
    ).license.currentUsage;
    expect(current).toMatchObject({ unit: 'GIGABYTE', billingMode: 'LOCAL', includedUnits: 5, usageCap: 100, pendingUnits: 0 });
    expect(current.used).toBeCloseTo(0.00006, 12);
    expect(current.billedUnits).toBeCloseTo(0.00006, 12);
  });

  it('answers a time series in UTC hours or days, zeros included', async () => {
    const from = new Date(h0.getTime() - HOUR).toISOString();
    const to = new Date(h0.getTime() + 2 * HOUR).toISOString();
    const hours = ok(await app.gql(USAGE, { id: licenseId, from, to, g: 'HOUR' }, buyer.key)).usage;
    expect(hours.map((p: any) => [p.start, p.requests, p.bytes])).toEqual([
      [new Date(h0.getTime() - HOUR).toISOString(), 0, '0'],
      [h0.toISOString(), 3, String(3 * FILE.length)],
      [new Date(h0.getTime() + HOUR).toISOString(), 0, '0'],
    ]);
    expect(hours[1]).toMatchObject({ end: new Date(h0.getTime() + HOUR).toISOString(), rows: '600' });
    expect(hours[1].units).toBeCloseTo(0.00006, 12);
    const days = ok(await app.gql(USAGE, { id: licenseId, from, to, g: 'DAY' }, buyer.key)).usage;
    expect(days.reduce((n: number, p: any) => n + p.requests, 0)).toBe(3);
    expect(days.every((p: any) => p.start.endsWith('T00:00:00.000Z'))).toBe(true);
    expectError(await app.gql(USAGE, { id: licenseId, from: to, to: from }, buyer.key), 'BAD_USER_INPUT', 'to');
    expectError(
      await app.gql(USAGE, { id: licenseId, from: '2020-01-01T00:00:00Z', to: '2020-03-01T00:00:00Z', g: 'HOUR' }, buyer.key),
      'BAD_USER_INPUT',
      'to',
    );
  });

  it('shows usage to the licensee, the selling vendor and staff only', async () => {
    const member = await addMember(app, buyer);
    const auditor = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "A", email: "aud-metering@assay.example", role: AUDITOR }) { secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser.secret as string;
    const outsiderBuyer = await signUp(app, 'BUYER');
    const vars = { id: licenseId, ...range() };
    for (const key of [buyer.key, member.key, vendor.key, ADMIN_KEY, auditor]) {
      expect(ok(await app.gql(USAGE, vars, key)).usage.reduce((n: number, p: any) => n + p.requests, 0)).toBe(3);
    }
    expectError(await app.gql(USAGE, vars, otherVendor.key), 'NOT_FOUND');
    expectError(await app.gql(USAGE, vars, outsiderBuyer.key), 'NOT_FOUND');
    expectError(await app.gql(USAGE, { ...vars, id: 'lic_nope' }, ADMIN_KEY), 'NOT_FOUND');
    expectError(await app.gql(USAGE, vars), 'UNAUTHENTICATED');

    // Vendors see usage of their datasets by licensee; nobody else's.
    const vendorRows = ok(await app.gql(VENDOR_USAGE, range(), vendor.key)).vendorUsage;
    expect(vendorRows).toEqual([
      expect.objectContaining({
        licensee: { id: buyer.id },
        dataset: { id: datasetId },
        unit: 'GIGABYTE',
        licenses: 1,
        requests: 3,
        bytes: String(3 * FILE.length),
      }),
    ]);
    expect(ok(await app.gql(VENDOR_USAGE, range(), otherVendor.key)).vendorUsage).toEqual([]);
    expect(ok(await app.gql(VENDOR_USAGE, range(), buyer.key)).vendorUsage).toEqual([]);
    expect(ok(await app.gql(VENDOR_USAGE, range(), ADMIN_KEY)).vendorUsage.length).toBeGreaterThanOrEqual(1);
    expectError(await app.gql(VENDOR_USAGE, range()), 'UNAUTHENTICATED');

    // Reconciliation: staff and the selling vendor.
    const ids = async (key: string) => ok(await app.gql(RECON, range(), key)).usageReconciliation.map((r: any) => r.license.id);
    expect(await ids(ADMIN_KEY)).toContain(licenseId);
    expect(await ids(auditor)).toContain(licenseId);
    expect(await ids(vendor.key)).toEqual([licenseId]);
    expect(await ids(otherVendor.key)).toEqual([]);
    expect(await ids(buyer.key)).toEqual([]);
    expectError(await app.gql(RECON, { ...range(), id: licenseId }, otherVendor.key), 'NOT_FOUND');
    expectError(await app.gql(RECON, range()), 'UNAUTHENTICATED');
    // currentUsage travels with the license, so only its parties ever see it.
    expect(
      ok(await app.gql(`query($id: ID!) { license(id: $id) { id currentUsage { used } } }`, { id: licenseId }, otherVendor.key)).license,
    ).toBeNull();
  });
});

describe('caps and license state at the download gate', () => {
  it('overshoots a cap under concurrent downloads by at most one in-flight response, and says which cap and when it resets', async () => {
    const b = await signUp(app, 'BUYER');
    const capped = await usageLicense(app, vendor, b, datasetId, { usageUnit: 'REQUEST', usageCap: 5 });
    const token = await accessToken(app, b, capped.licenseId);
    const results = await Promise.all(Array.from({ length: 20 }, () => download(token)));
    const served = results.filter((r) => r.status === 200).length;
    expect(served).toBeGreaterThanOrEqual(5);
    expect(served).toBeLessThanOrEqual(6);
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 402)).toBe(true);
    await usageRecorded(app, capped.licenseId, served);
    const refused = await download(token);
    expect(refused.status).toBe(402);
    const resetsAt = ok(
      await app.gql(`query($id: ID!) { license(id: $id) { currentUsage { resetsAt used } } }`, { id: capped.licenseId }, b.key),
    ).license.currentUsage;
    expect(resetsAt.used).toBe(served);
    expect(refused.body).toEqual({
      error: 'USAGE_CAP_REACHED',
      code: 'USAGE_CAP_REACHED',
      message: `Usage cap of 5 request(s) reached for this period; it resets at ${resetsAt.resetsAt}`,
      usageUnit: 'REQUEST',
      usageCap: 5,
      used: served,
      requested: 1,
      remaining: 0,
      resetsAt: resetsAt.resetsAt,
    });
  });

  it('stops accepting usage of a canceled or revoked license', async () => {
    for (const end of ['cancel', 'revoke'] as const) {
      const b = await signUp(app, 'BUYER');
      const lic = await usageLicense(app, vendor, b, datasetId, { usageUnit: 'REQUEST' });
      const token = await accessToken(app, b, lic.licenseId);
      expect((await download(token)).status).toBe(200);
      const license =
        end === 'cancel'
          ? ok(await app.gql(CANCEL, { id: lic.licenseId }, b.key)).cancelLicense.license
          : ok(await app.gql(REVOKE, { id: lic.licenseId, reason: 'abuse' }, ADMIN_KEY)).revokeLicense.license;
      expect(license.status).toBe(end === 'cancel' ? 'CANCELED' : 'REVOKED');
      // License state is re-read at most once a second at the gate.
      app.clock.advance(1100);
      const refused = await download(token);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: 'LICENSE_NOT_ACTIVE' });
      await Promise.all([usageRecorded(app, lic.licenseId, 1), denialsRecorded(app, lic.licenseId, 1)]);
      const usage = ok(
        await app.gql(
          USAGE,
          {
            id: lic.licenseId,
            from: new Date(app.clock.now().getTime() - 2 * HOUR).toISOString(),
            to: new Date(app.clock.now().getTime() + HOUR).toISOString(),
          },
          ADMIN_KEY,
        ),
      ).usage;
      expect(usage.reduce((n: number, p: any) => n + p.requests, 0)).toBe(1);
      const denials = await app.database.pool.query(`SELECT reason FROM access_denials WHERE license_id = $1`, [lic.licenseId]);
      expect(denials.rows).toEqual([{ reason: 'LICENSE_NOT_ACTIVE' }]);
    }
  });
});
