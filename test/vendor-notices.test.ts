import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import { CANCEL, createOffer, purchase } from './support/commerce.js';
import { addMember, createDataset, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { EVENTS } from './support/events.js';

const SEND = `mutation($input: SendVendorNoticeInput!) { sendVendorNotice(input: $input) { recipientCount notice { id kind message effectiveAt } } }`;
const NOTICES = `query($id: ID!) { dataset(id: $id) { notices { id kind message } } }`;

let app: TestApp;
let vendor: Org;
let other: Org;
let licensee: Org;
let canceled: Org;
let outsider: Org;
let datasetId: string;

const input = (overrides: Record<string, unknown> = {}) => ({
  datasetId,
  kind: 'SCHEMA_CHANGE',
  message: 'Column `text` becomes `utterance` in 2.0.0',
  effectiveAt: '2027-01-15T00:00:00.000Z',
  clientToken: `notice-${Math.random()}`,
  ...overrides,
});
const noticeEvents = async (org: Org) =>
  ok(await app.gql(EVENTS, { first: 100, types: ['vendor_notice.sent'] }, org.key)).events.edges.map((e: { node: unknown }) => e.node);

beforeAll(async () => {
  app = await startTestApp();
  [vendor, other, licensee, canceled, outsider] = await Promise.all([
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
  ]);
  datasetId = (await publishDataset(app, vendor)).datasetId;
  const offerId = await createOffer(app, vendor, datasetId);
  ok(await purchase(app, licensee, offerId));
  const gone = ok(await purchase(app, canceled, offerId)).purchaseLicense.license;
  ok(await app.gql(CANCEL, { id: gone.id }, canceled.key));
});
afterAll(async () => {
  await app?.close();
});

describe('vendor notices', () => {
  it('reach every organization with a live license, as an event and on the dataset, once per client token', async () => {
    const token = 'schema-change-2027';
    const sent = ok(await app.gql(SEND, { input: input({ clientToken: token }) }, vendor.key)).sendVendorNotice;
    expect(sent).toMatchObject({ recipientCount: 1, notice: { kind: 'SCHEMA_CHANGE', effectiveAt: '2027-01-15T00:00:00.000Z' } });
    // A retry with the same token answers with the same notice and sends nothing again.
    const again = ok(
      await app.gql(SEND, { input: input({ clientToken: token, message: 'changed my mind' }) }, vendor.key),
    ).sendVendorNotice;
    expect(again.notice.id).toBe(sent.notice.id);
    expect(await noticeEvents(licensee)).toMatchObject([
      {
        type: 'vendor_notice.sent',
        data: { noticeId: sent.notice.id, datasetId, kind: 'SCHEMA_CHANGE', effectiveAt: '2027-01-15T00:00:00.000Z' },
      },
    ]);
    expect(await noticeEvents(canceled)).toEqual([]);
    expect(await noticeEvents(outsider)).toEqual([]);
    expect(ok(await app.gql(NOTICES, { id: datasetId }, licensee.key)).dataset.notices).toMatchObject([{ id: sent.notice.id }]);
    expect(ok(await app.gql(NOTICES, { id: datasetId }, vendor.key)).dataset.notices).toMatchObject([{ id: sent.notice.id }]);
    expect(ok(await app.gql(NOTICES, { id: datasetId }, outsider.key)).dataset.notices).toEqual([]);
    expect(ok(await app.gql(NOTICES, { id: datasetId }, canceled.key)).dataset.notices).toEqual([]);
    expect(ok(await app.gql(NOTICES, { id: datasetId })).dataset.notices).toEqual([]);
    // Any member of the vendor may send.
    const member = await addMember(app, vendor);
    expect(ok(await app.gql(SEND, { input: input({ kind: 'DATA_DELAY' }) }, member.key)).sendVendorNotice.recipientCount).toBe(1);
  });

  it('only the dataset’s vendor sends (FORBIDDEN for those who see it, NOT_FOUND for a draft), and every field is checked', async () => {
    // A published listing is public: others see it but may not speak for its vendor.
    expectError(await app.gql(SEND, { input: input() }, other.key), 'FORBIDDEN');
    expectError(await app.gql(SEND, { input: input() }, licensee.key), 'FORBIDDEN');
    const draft = await createDataset(app, vendor);
    expectError(await app.gql(SEND, { input: input({ datasetId: draft }) }, other.key), 'NOT_FOUND', 'input.datasetId');
    expectError(await app.gql(SEND, { input: input() }), 'UNAUTHENTICATED');
    expectError(await app.gql(SEND, { input: input({ message: '   ' }) }, vendor.key), 'BAD_USER_INPUT', 'input.message');
    expectError(await app.gql(SEND, { input: input({ message: 'x'.repeat(4001) }) }, vendor.key), 'BAD_USER_INPUT', 'input.message');
    expectError(await app.gql(SEND, { input: input({ clientToken: '' }) }, vendor.key), 'BAD_USER_INPUT', 'input.clientToken');
    expectError(await app.gql(SEND, { input: input({ kind: 'OOPS' }) }, vendor.key), 'BAD_USER_INPUT', 'input.kind');
    expectError(await app.gql(SEND, { input: input({ datasetId: 'ds_nope' }) }, vendor.key), 'BAD_USER_INPUT', 'input.datasetId');
    const token = 'reused-token';
    ok(await app.gql(SEND, { input: input({ clientToken: token }) }, vendor.key));
    const second = (await publishDataset(app, vendor)).datasetId;
    expectError(
      await app.gql(SEND, { input: input({ clientToken: token, datasetId: second }) }, vendor.key),
      'BAD_USER_INPUT',
      'input.clientToken',
    );
  });
});
