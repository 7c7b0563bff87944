import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { APPROVE, CANCEL, LICENSE, PRICES, REJECT, REVOKE, createOffer, purchase } from './support/commerce.js';
import { addMember, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
let otherVendor: Org;
let buyer: Org;
let otherBuyer: Org;
let datasetId: string;
let otherDatasetId: string;
let approvalOffer: string;
let freeOffer: string;
/** In creation order: buyer's request, otherBuyer's request, buyer's free license, a request to otherVendor. */
const ids: string[] = [];

const LICENSES = `query($filter: LicenseFilter, $orderBy: LicenseOrder, $first: Int, $after: String) {
  licenses(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    nodes { id status waitingSeconds createdAt licensee { id } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const list = async (key: string | undefined, variables: Record<string, unknown>) => ok(await app.gql(LICENSES, variables, key)).licenses;
const idsOf = (c: { nodes: { id: string }[] }) => c.nodes.map((n) => n.id);

beforeAll(async () => {
  app = await startTestApp();
  [vendor, otherVendor, buyer, otherBuyer] = await Promise.all([
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
  ]);
  datasetId = (await publishDataset(app, vendor)).datasetId;
  otherDatasetId = (await publishDataset(app, otherVendor)).datasetId;
  approvalOffer = await createOffer(app, vendor, datasetId, { requiresApproval: true });
  freeOffer = await createOffer(app, vendor, datasetId);
  const otherVendorOffer = await createOffer(app, otherVendor, otherDatasetId, { ...PRICES.ONE_TIME, requiresApproval: true });
  ids.push(ok(await purchase(app, buyer, approvalOffer)).purchaseLicense.license.id);
  app.clock.advance(60_000);
  ids.push(ok(await purchase(app, otherBuyer, approvalOffer)).purchaseLicense.license.id);
  app.clock.advance(30_000);
  ids.push(ok(await purchase(app, buyer, freeOffer)).purchaseLicense.license.id);
  ids.push(ok(await purchase(app, buyer, otherVendorOffer)).purchaseLicense.license.id);
});
afterAll(async () => {
  await app?.close();
});

describe('licenses(filter:, orderBy:)', () => {
  it("answers a vendor's waiting requests in one query, oldest first, with their waiting time", async () => {
    const waiting = await list(vendor.key, { filter: { status: ['PENDING_APPROVAL'] }, orderBy: 'CREATED_AT_ASC' });
    expect(idsOf(waiting)).toEqual([ids[0], ids[1]]);
    expect(waiting.totalCount).toBe(2);
    expect(waiting.nodes.map((n: any) => n.waitingSeconds)).toEqual([90, 30]);
    // A member of the vendor sees the same queue; the other vendor sees only its own request.
    const member = await addMember(app, vendor, 'MEMBER');
    expect(idsOf(await list(member.key, { filter: { status: ['PENDING_APPROVAL'] }, orderBy: 'CREATED_AT_ASC' }))).toEqual([
      ids[0],
      ids[1],
    ]);
    expect(idsOf(await list(otherVendor.key, { filter: { status: ['PENDING_APPROVAL'] } }))).toEqual([ids[3]]);
    // Newest first is the default.
    expect(idsOf(await list(vendor.key, { filter: { status: ['PENDING_APPROVAL'] } }))).toEqual([ids[1], ids[0]]);
    expect(idsOf(await list(vendor.key, { filter: { status: ['PENDING_APPROVAL'] }, orderBy: 'CREATED_AT_DESC' }))).toEqual([
      ids[1],
      ids[0],
    ]);
  });

  it('filters on several statuses, dataset, offer, licensee and a created range, combined', async () => {
    expect(idsOf(await list(vendor.key, { filter: { status: ['PENDING_APPROVAL', 'ACTIVE'] }, orderBy: 'CREATED_AT_ASC' }))).toEqual(
      ids.slice(0, 3),
    );
    expect(idsOf(await list(vendor.key, { filter: { status: ['ACTIVE'] } }))).toEqual([ids[2]]);
    expect(idsOf(await list(buyer.key, { filter: { datasetId: otherDatasetId } }))).toEqual([ids[3]]);
    expect(idsOf(await list(buyer.key, { filter: { offerId: freeOffer } }))).toEqual([ids[2]]);
    expect(idsOf(await list(vendor.key, { filter: { licenseeId: otherBuyer.id } }))).toEqual([ids[1]]);
    expect((await list(vendor.key, { filter: { licenseeId: buyer.id, offerId: approvalOffer, status: ['ACTIVE'] } })).totalCount).toBe(0);
    const all = await list(ADMIN_KEY, { orderBy: 'CREATED_AT_ASC' });
    const created = ids.map((id) => all.nodes.find((n: any) => n.id === id).createdAt as string);
    const range = await list(ADMIN_KEY, { filter: { createdAfter: created[1], createdBefore: created[3] }, orderBy: 'CREATED_AT_ASC' });
    // After is inclusive, before exclusive.
    expect(idsOf(range)).toContain(ids[1]);
    expect(idsOf(range)).not.toContain(ids[0]);
    expect(idsOf(range)).not.toContain(ids[3]);
    expect(idsOf(await list(ADMIN_KEY, { filter: { createdAfter: new Date(Date.parse(created[3]!) + 1).toISOString() } }))).toEqual([]);
  });

  it('reads statuses as `status` does: an ACTIVE license past its term is EXPIRED', async () => {
    const termOffer = await createOffer(app, vendor, datasetId, { ...PRICES.ONE_TIME, termDays: 1 });
    const license = ok(await purchase(app, otherBuyer, termOffer)).purchaseLicense.license;
    expect(idsOf(await list(otherBuyer.key, { filter: { status: ['ACTIVE'], offerId: termOffer } }))).toEqual([license.id]);
    app.clock.advance(2 * 86_400_000);
    expect(idsOf(await list(otherBuyer.key, { filter: { status: ['ACTIVE'], offerId: termOffer } }))).toEqual([]);
    const expired = await list(otherBuyer.key, { filter: { status: ['EXPIRED'], offerId: termOffer } });
    expect(expired.nodes).toEqual([expect.objectContaining({ id: license.id, status: 'EXPIRED' })]);
  });

  it('never shows another tenant its licenses, whatever the filter names', async () => {
    // otherBuyer asking for buyer's licenses, or otherVendor for vendor's dataset, gets nothing.
    expect((await list(otherBuyer.key, { filter: { licenseeId: buyer.id } })).totalCount).toBe(0);
    expect((await list(otherVendor.key, { filter: { datasetId } })).totalCount).toBe(0);
    expect((await list(otherVendor.key, { filter: { offerId: approvalOffer, status: ['PENDING_APPROVAL'] } })).nodes).toEqual([]);
    expectError(await app.gql(LICENSES, { filter: { status: ['PENDING_APPROVAL'] } }), 'UNAUTHENTICATED');
  });

  it('pages through a filtered, ordered list with keyset cursors that belong to that order', async () => {
    const first = await list(vendor.key, { filter: { status: ['PENDING_APPROVAL', 'ACTIVE'] }, orderBy: 'CREATED_AT_ASC', first: 2 });
    expect(idsOf(first)).toEqual(ids.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = await list(vendor.key, {
      filter: { status: ['PENDING_APPROVAL', 'ACTIVE'] },
      orderBy: 'CREATED_AT_ASC',
      first: 2,
      after: first.pageInfo.endCursor,
    });
    expect(idsOf(next)).toEqual([ids[2]]);
    expect(next.pageInfo.hasNextPage).toBe(false);
    // An oldest-first cursor is not a newest-first one.
    expectError(await app.gql(LICENSES, { after: first.pageInfo.endCursor }, vendor.key), 'BAD_USER_INPUT', 'after');
  });

  it('refuses bad filter fields, naming them', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ filter: { status: [] } }, 'filter.status'],
      [{ filter: { datasetId: 'off_00000000000000000000000000' } }, 'filter.datasetId'],
      [{ filter: { offerId: 'nope' } }, 'filter.offerId'],
      [{ filter: { licenseeId: 'usr_00000000000000000000000000' } }, 'filter.licenseeId'],
      [{ filter: { createdAfter: '2026-01-02T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' } }, 'filter.createdBefore'],
    ];
    for (const [variables, field] of cases) expectError(await app.gql(LICENSES, variables, vendor.key), 'BAD_USER_INPUT', field);
    expect((await app.gql(LICENSES, { filter: { status: ['WAITING'] } }, vendor.key)).errors).toBeDefined();
    expect((await app.gql(LICENSES, { orderBy: 'OLDEST' }, vendor.key)).errors).toBeDefined();
  });

  it('drops an approved request from the queue', async () => {
    ok(await app.gql(APPROVE, { id: ids[0] }, vendor.key));
    expect(idsOf(await list(vendor.key, { filter: { status: ['PENDING_APPROVAL'] }, orderBy: 'CREATED_AT_ASC' }))).toEqual([ids[1]]);
  });

  it('ends a rejected request REJECTED, which cancel (CONFLICT) and revoke leave as it is, and lists it by that status', async () => {
    expectError(await app.gql(REJECT, { id: ids[1], reason: 'no' }, otherBuyer.key), 'FORBIDDEN');
    expectError(await app.gql(REJECT, { id: ids[1], reason: 'no' }, otherVendor.key), 'NOT_FOUND', 'input.id');
    const rejected = ok(await app.gql(REJECT, { id: ids[1], reason: 'Research labs only' }, vendor.key)).rejectLicense.license;
    expect(rejected).toMatchObject({ status: 'REJECTED', rejectionReason: 'Research labs only' });
    expectError(await app.gql(CANCEL, { id: ids[1] }, otherBuyer.key), 'CONFLICT', 'input.id');
    expect(ok(await app.gql(REVOKE, { id: ids[1], reason: 'cleanup' }, ADMIN_KEY)).revokeLicense.license.status).toBe('REJECTED');
    expect(ok(await app.gql(LICENSE, { id: ids[1] }, otherBuyer.key)).license).toMatchObject({
      status: 'REJECTED',
      revocationReason: null,
    });
    expect(idsOf(await list(vendor.key, { filter: { status: ['REJECTED'] } }))).toEqual([ids[1]]);
    expect(idsOf(await list(vendor.key, { filter: { status: ['PENDING_APPROVAL'] } }))).toEqual([]);
    expect(idsOf(await list(vendor.key, { filter: { status: ['CANCELED'] } }))).toEqual([]);
  });
});
