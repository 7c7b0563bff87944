import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import { dataFile, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { SUSPEND, REINSTATE, reinstate, suspend } from './support/listings.js';
import { accessToken, insertUsage, usageLicense } from './support/metering.js';

let app: TestApp;
let vendor: Org;
let otherVendor: Org;
let buyer: Org;
let otherBuyer: Org;
const content = randomBytes(256 * 1024);
const FILE = 'data/train.bin';

beforeAll(async () => {
  app = await startTestApp();
  [vendor, otherVendor, buyer, otherBuyer] = await Promise.all([
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
  ]);
});
afterAll(async () => {
  await app?.close();
});

async function download(versionId: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/data/${versionId}/${FILE}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(bytes.toString()) : undefined;
  return { status: res.status, bytes, json };
}

/** A published dataset with one 256 KiB file of 1000 rows. */
const listing = () => publishDataset(app, vendor, {}, { files: [dataFile(FILE, content, 1000)] });

async function freeToken(datasetId: string, who: Org): Promise<{ licenseId: string; token: string }> {
  const offerId = await createOffer(app, vendor, datasetId);
  const licenseId = ok(await purchase(app, who, offerId)).purchaseLicense.license.id as string;
  return { licenseId, token: await accessToken(app, who, licenseId) };
}

const DENIALS = `query($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 100) { nodes { id action datasetId licenseId details } } }`;

/** The download.denied events `key` finds with `filter`, polled until `until` holds or 5 s pass. */
async function denials(key: string, filter: Record<string, unknown>, until: (n: any[]) => boolean = (n) => n.length > 0) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const nodes = ok(await app.gql(DENIALS, { filter: { action: 'download.denied', ...filter } }, key)).auditEvents.nodes as any[];
    if (until(nodes) || Date.now() > deadline) return nodes;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('suspension stops delivery under existing tokens', () => {
  it('refuses a previously valid token at once with 403 DATASET_SUSPENDED, and serves it again once reinstated', async () => {
    const { datasetId, versionId } = await listing();
    const other = await listing();
    const mine = await freeToken(datasetId, buyer);
    const theirs = await freeToken(other.datasetId, otherBuyer);
    expect((await download(versionId, mine.token)).status).toBe(200);

    // Only an admin suspends or reinstates.
    for (const key of [buyer.key, vendor.key, otherVendor.key]) {
      expectError(await app.gql(SUSPEND, { id: datasetId, reason: 'x' }, key), 'FORBIDDEN');
    }
    expectError(await app.gql(SUSPEND, { id: datasetId, reason: 'x' }), 'UNAUTHENTICATED');
    await suspend(app, datasetId, 'PII reported');

    // No clock advance: the gate's cached state is dropped by the suspension itself.
    const refused = await download(versionId, mine.token);
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({
      error: 'DATASET_SUSPENDED',
      code: 'DATASET_SUSPENDED',
      message: 'The platform suspended this dataset; downloads resume if it is reinstated',
    });
    // Range and conditional requests are refused alike; another dataset's licensee is unaffected.
    expect((await download(versionId, mine.token, { range: 'bytes=0-9' })).status).toBe(403);
    expect((await download(other.versionId, theirs.token)).status).toBe(200);

    // What the buyer sees: the license still ACTIVE, its dataset SUSPENDED (the reason is the vendor's).
    const LICENSE = `query($id: ID!) { license(id: $id) { status dataset { status suspendedReason } } }`;
    expect(ok(await app.gql(LICENSE, { id: mine.licenseId }, buyer.key)).license).toEqual({
      status: 'ACTIVE',
      dataset: { status: 'SUSPENDED', suspendedReason: null },
    });
    expect(ok(await app.gql(LICENSE, { id: mine.licenseId }, vendor.key)).license.dataset).toEqual({
      status: 'SUSPENDED',
      suspendedReason: 'PII reported',
    });

    // The refusal is recorded as a denial the buyer finds in its audit trail.
    const found = await denials(buyer.key, { licenseId: mine.licenseId });
    expect(found.map((e) => e.details.reason)).toContain('DATASET_SUSPENDED');

    for (const key of [buyer.key, vendor.key]) expectError(await app.gql(REINSTATE, { id: datasetId }, key), 'FORBIDDEN');
    await reinstate(app, datasetId);
    const again = await download(versionId, mine.token);
    expect(again.status).toBe(200);
    expect(again.bytes.equals(content)).toBe(true);
  });
});

describe('a byte-metered cap is not overshot by a whole response', () => {
  it('refuses with 402 a file that would pass the cap, says what is left, and serves a Range that fits', async () => {
    const { datasetId, versionId } = await listing();
    // 300 000 bytes: one 262 144-byte file fits, a second one does not.
    const { licenseId } = await usageLicense(app, vendor, buyer, datasetId, { usageUnit: 'GIGABYTE', usageCap: 0.0003 });
    const token = await accessToken(app, buyer, licenseId);
    expect((await download(versionId, token)).status).toBe(200);

    const refused = await download(versionId, token);
    expect(refused.status).toBe(402);
    expect(refused.json).toMatchObject({
      error: 'USAGE_CAP_REACHED',
      usageUnit: 'GIGABYTE',
      usageCap: 0.0003,
      used: 0.000262144,
      requested: 0.000262144,
    });
    expect(refused.json.message).toMatch(/would pass the usage cap of 0\.0003 gigabyte\(s\): 0\.000037856 left .*smaller Range/);

    // Exactly what is left is served; one byte more is not.
    expect((await download(versionId, token, { range: 'bytes=0-37856' })).status).toBe(402);
    const fits = await download(versionId, token, { range: 'bytes=0-37855' });
    expect(fits.status).toBe(206);
    expect(fits.bytes.equals(content.subarray(0, 37_856))).toBe(true);
    const spent = await download(versionId, token, { range: 'bytes=0-0' });
    expect(spent.status).toBe(402);
    expect(spent.json.message).toMatch(/cap of 0\.0003 gigabyte\(s\) reached/);

    // Another buyer's license under the same offer keeps its own allowance.
    const offerId = ok(await app.gql(`query($id: ID!) { license(id: $id) { offer { id } } }`, { id: licenseId }, buyer.key)).license.offer
      .id;
    const theirs = ok(await purchase(app, otherBuyer, offerId)).purchaseLicense.license.id;
    expect((await download(versionId, await accessToken(app, otherBuyer, theirs))).status).toBe(200);
  });

  it('refuses a file when 0.9999 of a 1 GB cap is used (the issue: a whole file served past the cap)', async () => {
    const { datasetId, versionId } = await listing();
    const { licenseId } = await usageLicense(app, vendor, otherBuyer, datasetId, { usageUnit: 'GIGABYTE', usageCap: 1 });
    await insertUsage(app, [
      { licenseId, organizationId: otherBuyer.id, versionId, servedAt: app.clock.now(), bytes: 999_900_000, rows: 0 },
    ]);
    const token = await accessToken(app, otherBuyer, licenseId);
    const refused = await download(versionId, token);
    expect(refused.status).toBe(402);
    expect(refused.json).toMatchObject({ used: 0.9999, requested: 0.000262144, usageCap: 1 });
    expect((await download(versionId, token, { range: 'bytes=0-99999' })).status).toBe(206);
  });

  it('counts rows the same way: a second full file under a 1.5 thousand-row cap is refused', async () => {
    const { datasetId, versionId } = await listing();
    const { licenseId } = await usageLicense(app, vendor, buyer, datasetId, { usageUnit: 'THOUSAND_ROWS', usageCap: 1.5 });
    const token = await accessToken(app, buyer, licenseId);
    expect((await download(versionId, token)).status).toBe(200);
    const refused = await download(versionId, token);
    expect(refused.status).toBe(402);
    expect(refused.json).toMatchObject({ usageUnit: 'THOUSAND_ROWS', used: 1, requested: 1, usageCap: 1.5 });
  });
});

describe('download.denied events carry the license parties and dataset', () => {
  it('are found by the buyer, the vendor and staff through filters and the export, and by nobody else', async () => {
    const { datasetId, versionId } = await listing();
    const { licenseId, token } = await freeToken(datasetId, buyer);
    // A version the license does not cover: refused 403 VERSION_NOT_COVERED under a known license.
    const elsewhere = await listing();
    expect((await download(elsewhere.versionId, token)).status).toBe(403);
    expect((await download(versionId, token)).status).toBe(200);

    const byBuyer = await denials(buyer.key, { datasetId });
    expect(byBuyer).toHaveLength(1);
    expect(byBuyer[0]).toMatchObject({ datasetId, licenseId, details: { reason: 'VERSION_NOT_COVERED', status: 403 } });
    const id = byBuyer[0].id;
    expect((await denials(vendor.key, { datasetId })).map((e) => e.id)).toEqual([id]);
    expect((await denials(vendor.key, { licenseId })).map((e) => e.id)).toEqual([id]);
    expect((await denials(ADMIN_KEY, { organizationId: buyer.id, datasetId })).map((e) => e.id)).toEqual([id]);
    expect((await denials(ADMIN_KEY, { organizationId: vendor.id, datasetId })).map((e) => e.id)).toEqual([id]);
    // Other organizations find nothing, whatever they filter on.
    const none = () => true;
    expect(await denials(otherBuyer.key, { datasetId }, none)).toEqual([]);
    expect(await denials(otherVendor.key, { licenseId }, none)).toEqual([]);
    expect(await denials(otherBuyer.key, { organizationId: buyer.id }, none)).toEqual([]);
    expect(await denials(ADMIN_KEY, { organizationId: otherBuyer.id, datasetId }, none)).toEqual([]);
    expectError(await app.gql(DENIALS, { filter: { datasetId } }), 'UNAUTHENTICATED');

    const exported = async (key: string) => {
      const res = await fetch(`${app.url}/audit/export?action=download.denied&datasetId=${datasetId}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
      return (await res.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).id);
    };
    expect(await exported(buyer.key)).toEqual([id]);
    expect(await exported(vendor.key)).toEqual([id]);
    expect(await exported(ADMIN_KEY)).toEqual([id]);
    expect(await exported(otherBuyer.key)).toEqual([]);
    expect(await exported(otherVendor.key)).toEqual([]);
  });
});
