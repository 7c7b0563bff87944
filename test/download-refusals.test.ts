import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { OPEN_TERMS, dataFile, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

// A flood of downloads without a valid token must not grow the append-only audit trail one row per request.

let app: TestApp;
let vendor: Org;
let buyer: Org;
let versionId: string;
let otherVersionId: string;
let token: string;

const auditRows = async (action: string) =>
  Number((await app.database.pool.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = $1`, [action])).rows[0].n);
const allAuditRows = async () => Number((await app.database.pool.query(`SELECT count(*)::int AS n FROM audit_events`)).rows[0].n);

/** Polls until `read` satisfies `done` (or the deadline passes) and returns the last value. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  const published = await publishDataset(app, vendor, {}, { files: [dataFile('data/a.bin', 'aaaa', 1)] });
  versionId = published.versionId;
  otherVersionId = (await publishDataset(app, vendor, {}, { files: [dataFile('data/b.bin', 'bbbb', 1)] })).versionId;
  const offerId = ok(
    await app.gql(
      `mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }`,
      { input: { datasetId: published.datasetId, name: 'Free', pricingModel: 'FREE', terms: OPEN_TERMS } },
      vendor.key,
    ),
  ).createOffer.offer.id;
  const licenseId = ok(
    await app.gql(
      `mutation($input: PurchaseLicenseInput!) { purchaseLicense(input: $input) { license { id } } }`,
      { input: { offerId, idempotencyKey: 'refusals' } },
      buyer.key,
    ),
  ).purchaseLicense.license.id;
  token = ok(
    await app.gql(
      `mutation($input: IssueAccessTokenInput!) { issueAccessToken(input: $input) { token } }`,
      { input: { licenseId } },
      buyer.key,
    ),
  ).issueAccessToken.token;
});
afterAll(async () => {
  await app?.close();
});

describe('downloads refused without a valid token', () => {
  it('500 junk-token requests add a handful of aggregated audit rows whose counts add up, and a metric', async () => {
    const before = await allAuditRows();
    const [header, payload] = token.split('.');
    const junk: [string, Record<string, string>][] = [
      ['MISSING_TOKEN', {}],
      ['MALFORMED', { authorization: 'Bearer not-a-jwt' }],
      ['BAD_SIGNATURE', { authorization: `Bearer ${header}.${payload}.${'A'.repeat(86)}` }],
    ];
    const sent = new Map<string, number>();
    for (let i = 0; i < 500; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const [reason, headers] = junk[(i + j) % junk.length]!;
          const res = await fetch(`${app.url}/data/${versionId}/data/a.bin`, { headers });
          expect(res.status).toBe(401);
          expect((await res.json()) as { error: string }).toMatchObject({ error: reason });
          sent.set(reason, (sent.get(reason) ?? 0) + 1);
        }),
      );
    }
    // Nothing is written while the minute is open...
    await new Promise((r) => setTimeout(r, 300));
    expect(await allAuditRows()).toBe(before);
    // ...and one row per address and reason once it has closed.
    app.clock.advance(61_000);
    const rows = await waitFor(
      () => auditRows('download.denied_unauthenticated'),
      (n) => n >= junk.length,
    );
    expect(rows).toBe(junk.length);
    expect((await allAuditRows()) - before).toBe(junk.length);
    const { rows: tallies } = await app.database.pool.query(
      `SELECT client_address, details FROM audit_events WHERE action = 'download.denied_unauthenticated' ORDER BY details->>'reason'`,
    );
    expect(Object.fromEntries(tallies.map((t) => [t.details.reason, t.details.count]))).toEqual(Object.fromEntries(sent));
    expect(tallies[0]).toMatchObject({
      client_address: '127.0.0.1',
      details: { status: 401, sample: { versionId, filePath: 'data/a.bin' } },
    });
    // The rows are in the hash chain like any other, and staff find them.
    expect(ok(await app.gql(`{ verifyAuditLog { ok } }`, {}, ADMIN_KEY)).verifyAuditLog.ok).toBe(true);
    const found = ok(await app.gql(`{ auditEvents(filter: { action: "download.denied_unauthenticated" }) { totalCount } }`, {}, ADMIN_KEY));
    expect(found.auditEvents.totalCount).toBe(junk.length);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    for (const [reason, n] of sent) expect(metrics).toContain(`assay_download_refusals_total{reason="${reason}"} ${n}`);
  });

  it('counts bad paths the same way', async () => {
    const before = await auditRows('download.denied_unauthenticated');
    for (let i = 0; i < 20; i++) expect((await fetch(`${app.url}/data/${versionId}/..%2f..%2fetc%2fpasswd${i}`)).status).toBe(400);
    app.clock.advance(61_000);
    await waitFor(
      () => auditRows('download.denied_unauthenticated'),
      (n) => n > before,
    );
    const { rows } = await app.database.pool.query(
      `SELECT details FROM audit_events WHERE action = 'download.denied_unauthenticated' AND details->>'reason' = 'BAD_PATH'`,
    );
    expect(rows.map((r) => r.details.count)).toEqual([20]);
  });

  it('keeps an individual download.denied record for each refusal of a valid token', async () => {
    const before = await auditRows('download.denied');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${app.url}/data/${otherVersionId}/data/b.bin`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(403);
    }
    expect(
      await waitFor(
        () => auditRows('download.denied'),
        (n) => n >= before + 3,
      ),
    ).toBe(before + 3);
  });
});
