import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALY_RULES, detectAnomalies } from '../src/audit/usage-report.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { OPEN_TERMS, dataFile, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { denialsRecorded, usageRecorded } from './support/metering.js';

let app: TestApp;
let vendor: Org;
let steady: Org;
let noisy: Org;
let versionId: string;
let otherVersionId: string;
const FILE = Buffer.alloc(10_000, 7);

const REPORT = `query($from: DateTime!, $to: DateTime!, $filter: LicenseUsageFilter) {
  licenseUsageReport(from: $from, to: $to, filter: $filter) {
    license { id } licensee { id } dataset { id } downloads bytes rows distinctAddresses distinctTokens
    refusals { reason count } attemptsWhileInactive outsideLicensedVersions anomalies { kind detail }
  }
}`;

async function licenseFor(who: Org, datasetId: string): Promise<string> {
  const offerId = ok(
    await app.gql(
      `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }`,
      { input: { datasetId, name: `Free ${who.slug}`, pricingModel: 'FREE', terms: OPEN_TERMS } },
      vendor.key,
    ),
  ).createOffer.offer.id;
  return ok(
    await app.gql(
      `mutation($input: PurchaseLicenseInput!) { purchaseLicense(input: $input) { license { id } } }`,
      { input: { offerId, idempotencyKey: `report-${who.slug}` } },
      who.key,
    ),
  ).purchaseLicense.license.id;
}

async function token(who: Org, licenseId: string): Promise<{ token: string; id: string }> {
  const r = ok(
    await app.gql(
      `mutation($l: ID!) { issueAccessToken(input: { licenseId: $l }) { token accessToken { id } } }`,
      { l: licenseId },
      who.key,
    ),
  ).issueAccessToken;
  return { token: r.token, id: r.accessToken.id };
}

/** Downloads from a chosen loopback source address (all of 127/8 is local), returning status and bytes read. */
function download(path: string, bearer: string, localAddress = '127.0.0.1'): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const u = new URL(app.url);
    const req = http.request(
      { host: u.hostname, port: u.port, path, localAddress, headers: { authorization: `Bearer ${bearer}` } },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode!, bytes }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let steadyLicense: string;
let noisyLicense: string;
const served = { steady: 0, noisy: 0 };

beforeAll(async () => {
  app = await startTestApp();
  [vendor, steady, noisy] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER'), signUp(app, 'BUYER')]);
  const main = await publishDataset(app, vendor, {}, { files: [dataFile('data/part-0.bin', FILE, 100)] });
  versionId = main.versionId;
  otherVersionId = (await publishDataset(app, vendor, {}, { files: [dataFile('data/x.bin', 'x', 1)] })).versionId;
  steadyLicense = await licenseFor(steady, main.datasetId);
  noisyLicense = await licenseFor(noisy, main.datasetId);
  const path = `/data/${versionId}/data/part-0.bin`;

  // Ordinary pipeline: three whole downloads with one token from one address.
  const s = await token(steady, steadyLicense);
  for (let i = 0; i < 3; i++) served.steady += (await download(path, s.token)).bytes;

  // Crafted: one token from 7 addresses, the same file 22 times, a revoked token, an uncovered version.
  const n = await token(noisy, noisyLicense);
  for (let i = 0; i < 22; i++) served.noisy += (await download(path, n.token, `127.0.0.${2 + (i % 7)}`)).bytes;
  expect((await download(`/data/${otherVersionId}/data/x.bin`, n.token)).status).toBe(403);
  const revoked = await token(noisy, noisyLicense);
  ok(await app.gql(`mutation($id: ID!) { revokeAccessToken(input: { id: $id }) { accessToken { id } } }`, { id: revoked.id }, noisy.key));
  app.clock.advance(1100);
  expect((await download(path, revoked.token)).status).toBe(401);
  expect((await download(path, revoked.token)).status).toBe(401);
  await Promise.all([usageRecorded(app, steadyLicense, 3), usageRecorded(app, noisyLicense, 22), denialsRecorded(app, noisyLicense, 3)]);
});
afterAll(async () => {
  await app?.close();
});

const window = () => ({
  from: new Date(app.clock.now().getTime() - 3600_000).toISOString(),
  to: new Date(app.clock.now().getTime() + 3600_000).toISOString(),
});

describe('license usage report', () => {
  it('adds up to exactly the usage the test generated, and flags only the crafted traffic', async () => {
    const rows = ok(await app.gql(REPORT, window(), ADMIN_KEY)).licenseUsageReport as any[];
    const steadyRow = rows.find((r) => r.license.id === steadyLicense);
    const noisyRow = rows.find((r) => r.license.id === noisyLicense);
    expect(steadyRow).toMatchObject({
      licensee: { id: steady.id },
      downloads: 3,
      bytes: String(served.steady),
      rows: '300',
      distinctAddresses: 1,
      distinctTokens: 1,
      refusals: [],
      attemptsWhileInactive: 0,
      outsideLicensedVersions: 0,
      anomalies: [],
    });
    expect(served.steady).toBe(3 * FILE.length);
    expect(noisyRow).toMatchObject({
      downloads: 22,
      bytes: String(served.noisy),
      distinctAddresses: 7,
      distinctTokens: 1,
      attemptsWhileInactive: 2,
      outsideLicensedVersions: 1,
    });
    expect(noisyRow.refusals).toEqual(
      expect.arrayContaining([
        { reason: 'TOKEN_REVOKED', count: 2 },
        { reason: 'VERSION_NOT_COVERED', count: 1 },
      ]),
    );
    expect(noisyRow.anomalies.map((a: { kind: string }) => a.kind).sort()).toEqual(['REPEATED_FILE_DOWNLOADS', 'TOKEN_MANY_ADDRESSES']);
  });

  it('shows each role exactly the licenses it holds or sells', async () => {
    const ids = async (key: string) =>
      (ok(await app.gql(REPORT, window(), key)).licenseUsageReport as any[]).map((r) => r.license.id).sort();
    expect(await ids(vendor.key)).toEqual([steadyLicense, noisyLicense].sort());
    expect(await ids(steady.key)).toEqual([steadyLicense]);
    expect(await ids(noisy.key)).toEqual([noisyLicense]);
    const outsider = await signUp(app, 'VENDOR');
    expect(await ids(outsider.key)).toEqual([]);
    const auditor = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "A", email: "aud-report@assay.example", role: AUDITOR }) { secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser.secret;
    expect(await ids(auditor)).toEqual([steadyLicense, noisyLicense].sort());
    const scoped = ok(await app.gql(REPORT, { ...window(), filter: { organizationId: steady.id } }, auditor)).licenseUsageReport;
    expect(scoped.map((r: any) => r.license.id)).toEqual([steadyLicense]);
    expectError(await app.gql(REPORT, window()), 'UNAUTHENTICATED');
    const w = window();
    expectError(await app.gql(REPORT, { from: w.to, to: w.from }, ADMIN_KEY), 'BAD_USER_INPUT', 'to');
    expectError(await app.gql(REPORT, { ...w, filter: { licenseIds: ['nope'] } }, ADMIN_KEY), 'BAD_USER_INPUT', 'filter.licenseIds.0');
  });

  it('records every served and refused download in the audit trail', async () => {
    const events = ok(
      await app.gql(`{ auditEvents(first: 100, filter: { action: "download.served" }) { totalCount } }`, {}, ADMIN_KEY),
    ).auditEvents;
    expect(events.totalCount).toBe(25);
    const denied = ok(
      await app.gql(`{ auditEvents(first: 100, filter: { action: "download.denied" }) { totalCount } }`, {}, ADMIN_KEY),
    ).auditEvents;
    expect(denied.totalCount).toBe(3);
    expect(ok(await app.gql(`{ verifyAuditLog { ok } }`, {}, ADMIN_KEY)).verifyAuditLog.ok).toBe(true);
  });
});

describe('anomaly rules', () => {
  const quiet = { bytes: 0, windowDays: 1, history: undefined, tokenAddresses: [], fileRepeats: [] };
  it('flags a sudden jump against the license history, not a steady or small one', () => {
    const big = ANOMALY_RULES.spikeMinBytes * 2;
    expect(
      detectAnomalies({ ...quiet, bytes: big, history: { bytes: (big / ANOMALY_RULES.spikeFactor / 2) * 30, days: 30 } }).map(
        (a) => a.kind,
      ),
    ).toEqual(['USAGE_SPIKE']);
    expect(detectAnomalies({ ...quiet, bytes: big, history: { bytes: big * 30, days: 30 } })).toEqual([]);
    expect(detectAnomalies({ ...quiet, bytes: ANOMALY_RULES.spikeMinBytes - 1, history: { bytes: 1, days: 30 } })).toEqual([]);
    expect(detectAnomalies({ ...quiet, bytes: big })).toEqual([]);
  });
  it('flags thresholds strictly above their limits', () => {
    expect(detectAnomalies({ ...quiet, tokenAddresses: [{ tokenId: 't', addresses: ANOMALY_RULES.tokenAddresses }] })).toEqual([]);
    expect(detectAnomalies({ ...quiet, fileRepeats: [{ versionId: 'v', filePath: 'f', downloads: ANOMALY_RULES.fileRepeats }] })).toEqual(
      [],
    );
  });
});
