import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { APPROVE, ARCHIVE_OFFER, CANCEL, REJECT, REVOKE, createOffer, purchase } from './support/commerce.js';
import { ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { Stores } from '../src/db/stores/index.js';
import { expireDueLicenses } from '../src/licensing/change.js';

let app: TestApp;
let vendor: Org;
let buyer: Org;
let datasetId: string;
let versionId: string;

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  ({ datasetId, versionId } = await publishDataset(app, vendor));
});
afterAll(async () => {
  await app?.close();
});

/** Audit events about one subject, oldest first, as the admin sees them. */
async function trail(filter: Record<string, unknown>, key = ADMIN_KEY) {
  const data = ok(
    await app.gql(
      `query($f: AuditEventFilter) { auditEvents(filter: $f, first: 100) { nodes { action subjectId details actor { id } } } }`,
      { f: filter },
      key,
    ),
  );
  return (data.auditEvents.nodes as { action: string; subjectId: string; details: any; actor: { id: string } | null }[]).reverse();
}

describe('audited acts on offers and licenses', () => {
  it('records each offer and license act exactly once, with the actor and the reason', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { pricingModel: 'FREE', requiresApproval: true });
    const requested = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    ok(await app.gql(APPROVE, { id: requested.id }, vendor.key));
    ok(await app.gql(REVOKE, { id: requested.id, reason: 'scraping beyond terms' }, ADMIN_KEY));
    expect((await trail({ licenseId: requested.id })).map((e) => e.action)).toEqual([
      'license.created',
      'license.approved',
      'license.activated',
      'license.revoked',
    ]);
    const revoked = (await trail({ licenseId: requested.id, action: 'license.revoked' }))[0]!;
    expect(revoked.details).toMatchObject({ reason: 'scraping beyond terms', from: 'ACTIVE' });
    // The affected buyer sees the revocation and its reason.
    expect((await trail({ licenseId: requested.id }, buyer.key)).map((e) => e.action)).toContain('license.revoked');

    const second = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    ok(await app.gql(REJECT, { id: second.id, reason: 'not a research org' }, vendor.key));
    expect((await trail({ licenseId: second.id })).map((e) => e.action)).toEqual(['license.created', 'license.rejected']);

    const freeOffer = await createOffer(app, vendor, datasetId, { pricingModel: 'FREE' });
    const free = ok(await purchase(app, buyer, freeOffer)).purchaseLicense.license;
    const token = ok(
      await app.gql(`mutation($l: ID!) { issueAccessToken(input: { licenseId: $l }) { accessToken { id } } }`, { l: free.id }, buyer.key),
    ).issueAccessToken.accessToken.id;
    ok(await app.gql(`mutation($id: ID!) { revokeAccessToken(input: { id: $id }) { accessToken { id } } }`, { id: token }, buyer.key));
    const tokenEvents = (await trail({ licenseId: free.id })).filter((e) => e.subjectId === token);
    expect(tokenEvents.map((e) => e.action)).toEqual(['access_token.issued', 'access_token.revoked']);
    expect(tokenEvents.every((e) => e.actor?.id === buyer.ownerId)).toBe(true);
    // The selling vendor sees tokens minted under its licenses too.
    expect((await trail({ licenseId: free.id }, vendor.key)).map((e) => e.action)).toContain('access_token.issued');
    ok(await app.gql(CANCEL, { id: free.id }, buyer.key));
    // Cancelling again is refused and records nothing.
    expect((await app.gql(CANCEL, { id: free.id }, buyer.key)).errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect((await trail({ licenseId: free.id })).filter((e) => e.action.startsWith('license.')).map((e) => e.action)).toEqual([
      'license.created',
      'license.activated',
      'license.canceled',
    ]);

    ok(await app.gql(ARCHIVE_OFFER, { id: freeOffer }, vendor.key));
    ok(await app.gql(ARCHIVE_OFFER, { id: freeOffer }, vendor.key));
    expect((await trail({ datasetId })).filter((e) => e.subjectId === freeOffer).map((e) => e.action)).toEqual([
      'offer.created',
      'offer.archived',
    ]);
  });

  it('expires licenses whose term ended, once, with an audit record', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { pricingModel: 'FREE', termDays: 1 });
    const license = ok(await purchase(app, buyer, offerId)).purchaseLicense.license;
    const sweep = () => new Stores(app.database.db).transaction((tx) => expireDueLicenses(tx, app.parts.audit, app.clock));
    expect(await sweep()).toBe(0);
    app.clock.advance(2 * 24 * 3600_000);
    expect(await sweep()).toBe(1);
    expect(await sweep()).toBe(0);
    expect((await app.database.pool.query('SELECT status FROM licenses WHERE id = $1', [license.id])).rows[0].status).toBe('EXPIRED');
    expect((await trail({ licenseId: license.id })).map((e) => e.action)).toEqual([
      'license.created',
      'license.activated',
      'license.expired',
    ]);
  });

  it('tells licensees of a retracted version and its descendants through their audit trail', async () => {
    const offerId = await createOffer(app, vendor, datasetId, { pricingModel: 'FREE' });
    const other = await signUp(app, 'BUYER');
    ok(await purchase(app, other, offerId));
    ok(
      await app.gql(
        `mutation($id: ID!) { retractDatasetVersion(input: { id: $id, reason: "PII found" }) { datasetVersion { status } } }`,
        { id: versionId },
        vendor.key,
      ),
    );
    const seen = await trail({ action: 'dataset.retracted' }, other.key);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ subjectId: versionId, details: { reason: 'PII found' } });
    const outsider = await signUp(app, 'BUYER');
    expect(await trail({ action: 'dataset.retracted' }, outsider.key)).toHaveLength(0);
    expect(ok(await app.gql(`{ verifyAuditLog { ok } }`, {}, ADMIN_KEY)).verifyAuditLog.ok).toBe(true);
  });
});
