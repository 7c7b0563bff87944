import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { APPROVE, REJECT, createOffer, purchase } from './support/commerce.js';
import { addMember, dataFile, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { accessToken, usageLicense } from './support/metering.js';
import { waitFor } from './support/webhook-receiver.js';
import { EVENTS } from './support/events.js';

const RETRACT = `mutation($id: ID!) { retractDatasetVersion(input: { id: $id, reason: "contains PII" }) { datasetVersion { id status } } }`;

type Ev = { id: string; type: string; occurredAt: string; data: Record<string, any> };

let app: TestApp;
let vendor: Org;
let vendor2: Org;
let buyerA: Org;
let buyerB: Org;
let buyerC: Org;

/** Every event of the organization (one page of 100 is enough here). */
async function stream(org: { key: string }, types?: string[]): Promise<Ev[]> {
  const data = ok(await app.gql(EVENTS, { first: 100, types }, org.key));
  return data.events.edges.map((e: { node: Ev }) => e.node);
}

const derived = (versionId: string) => ({
  kind: 'SYNTHETIC',
  provenance: { method: 'LLM_GENERATION', generator: { model: 'gen-1' }, sources: [{ versionId, role: 'SEED', rowsUsed: '10' }] },
});

beforeAll(async () => {
  app = await startTestApp();
  [vendor, vendor2, buyerA, buyerB, buyerC] = await Promise.all([
    signUp(app, 'VENDOR'),
    signUp(app, 'VENDOR'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
    signUp(app, 'BUYER'),
  ]);
});
afterAll(async () => {
  await app?.close();
});

describe('the event stream', () => {
  it('a retraction is in the streams of the vendor and of every licensee of the version and its descendants, nobody else', async () => {
    const root = await publishDataset(app, vendor);
    const child = await publishDataset(app, vendor2, { kind: 'SYNTHETIC' }, { provenance: derived(root.versionId).provenance });
    const grandchild = await publishDataset(app, vendor2, { kind: 'SYNTHETIC' }, { provenance: derived(child.versionId).provenance });
    const unrelated = await publishDataset(app, vendor);
    ok(await purchase(app, buyerA, await createOffer(app, vendor, root.datasetId)));
    ok(await purchase(app, buyerB, await createOffer(app, vendor2, grandchild.datasetId)));
    ok(await purchase(app, buyerC, await createOffer(app, vendor, unrelated.datasetId)));

    ok(await app.gql(RETRACT, { id: root.versionId }, vendor.key));

    for (const org of [vendor, buyerA, buyerB]) {
      const retractions = await stream(org, ['version.retracted']);
      expect(retractions).toHaveLength(1);
      expect(retractions[0]!.data).toMatchObject({
        versionId: root.versionId,
        datasetId: root.datasetId,
        reason: 'contains PII',
        descendants: 2,
      });
    }
    expect(await stream(buyerC, ['version.retracted'])).toEqual([]);
    expect(await stream(vendor2, ['version.retracted'])).toEqual([]);
  });

  it('replays exactly the organization’s events by cursor, oldest first, one page at a time', async () => {
    const all = await stream(buyerA);
    expect(all.length).toBeGreaterThanOrEqual(2);
    // Every event in A's stream is about A's own licenses or the datasets it licenses.
    for (const e of all) expect(e.data.licenseeId === buyerA.id || e.type === 'version.retracted').toBe(true);
    const paged: Ev[] = [];
    let after: string | undefined;
    for (;;) {
      const page = ok(await app.gql(EVENTS, { first: 1, after }, buyerA.key)).events;
      paged.push(...page.edges.map((e: { node: Ev }) => e.node));
      expect(page.totalCount).toBe(all.length);
      expect(page.nodes.map((n: { id: string }) => n.id)).toEqual(page.edges.map((e: { node: Ev }) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
    // Nothing of A's is in anyone else's stream, and its events are not reachable by ID from elsewhere.
    const others = new Set([...(await stream(buyerB)), ...(await stream(buyerC))].map((e) => e.id));
    expect(all.some((e) => others.has(e.id))).toBe(false);
    const NODE = `query($id: ID!) { node(id: $id) { id ... on Event { type } } }`;
    expect(ok(await app.gql(NODE, { id: all[0]!.id }, buyerA.key)).node).toMatchObject({ id: all[0]!.id });
    expect(ok(await app.gql(NODE, { id: all[0]!.id }, buyerB.key)).node).toBeNull();
    // A cursor continues after what it names: from the last event there is nothing more.
    const last = ok(await app.gql(EVENTS, { first: 100 }, buyerA.key)).events.pageInfo.endCursor;
    expect(ok(await app.gql(EVENTS, { first: 100, after: last }, buyerA.key)).events.edges).toEqual([]);
  });

  it('filters by type, and refuses unknown types, bad cursors, anonymous and organization-less callers', async () => {
    const changes = await stream(buyerA, ['license.status_changed']);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((e) => e.type === 'license.status_changed')).toBe(true);
    expectError(await app.gql(EVENTS, { types: ['license.nope'] }, buyerA.key), 'BAD_USER_INPUT', 'types.0');
    expectError(await app.gql(EVENTS, { after: 'not-a-cursor' }, buyerA.key), 'BAD_USER_INPUT', 'after');
    expectError(await app.gql(EVENTS, { first: 0 }, buyerA.key), 'BAD_USER_INPUT', 'first');
    expectError(await app.gql(EVENTS, {}), 'UNAUTHENTICATED');
    expectError(await app.gql(EVENTS, {}, ADMIN_KEY), 'FORBIDDEN');
    // Members (not only owners) replay their organization's stream.
    const member = await addMember(app, buyerA);
    expect((await stream(member)).map((e) => e.id)).toEqual((await stream(buyerA)).map((e) => e.id));
  });

  it('records access requests, their decisions and every license status change for licensee and vendor', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const offerId = await createOffer(app, vendor, datasetId, { requiresApproval: true });
    const approved = ok(await purchase(app, buyerB, offerId)).purchaseLicense.license;
    const rejected = ok(await purchase(app, buyerC, offerId)).purchaseLicense.license;
    ok(await app.gql(APPROVE, { id: approved.id }, vendor.key));
    ok(await app.gql(REJECT, { id: rejected.id, reason: 'Not a research lab' }, vendor.key));

    const ofLicense = (events: Ev[], id: string) =>
      events.filter((e) => e.data.licenseId === id).map((e) => [e.type, e.data.decision ?? e.data.status]);
    const vendorEvents = await stream(vendor);
    expect(ofLicense(vendorEvents, approved.id)).toEqual([
      ['access_request.created', 'PENDING_APPROVAL'],
      ['access_request.decided', 'APPROVED'],
      ['license.status_changed', 'ACTIVE'],
    ]);
    expect(ofLicense(await stream(buyerB), approved.id)).toEqual(ofLicense(vendorEvents, approved.id));
    const decided = (await stream(buyerC, ['access_request.decided'])).find((e) => e.data.licenseId === rejected.id);
    expect(decided!.data).toMatchObject({ decision: 'REJECTED', reason: 'Not a research lab', status: 'REJECTED' });
    expect(ofLicense(await stream(buyerA), approved.id)).toEqual([]);
  });

  it('tells the vendor and the live licensees when a version is published or the dataset is suspended and reinstated', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    ok(await purchase(app, buyerA, await createOffer(app, vendor, datasetId)));
    const SUSPEND = `mutation($id: ID!) { suspendDataset(input: { id: $id, reason: "under review" }) { dataset { id status } } }`;
    const REINSTATE = `mutation($id: ID!) { reinstateDataset(input: { id: $id }) { dataset { id status } } }`;
    ok(await app.gql(SUSPEND, { id: datasetId }, ADMIN_KEY));
    ok(await app.gql(REINSTATE, { id: datasetId }, ADMIN_KEY));
    const of = async (org: Org) =>
      (await stream(org, ['dataset.suspended', 'dataset.reinstated'])).filter((e) => e.data.datasetId === datasetId).map((e) => e.type);
    expect(await of(vendor)).toEqual(['dataset.suspended', 'dataset.reinstated']);
    expect(await of(buyerA)).toEqual(['dataset.suspended', 'dataset.reinstated']);
    expect(await of(buyerB)).toEqual([]);
    const suspended = (await stream(buyerA, ['dataset.suspended'])).find((e) => e.data.datasetId === datasetId);
    expect(suspended!.data).toMatchObject({ status: 'SUSPENDED', reason: 'under review' });

    const v2 = ok(
      await app.gql(
        `mutation($input: CreateDatasetVersionInput!) { createDatasetVersion(input: $input) { datasetVersion { id } } }`,
        {
          input: {
            datasetId,
            version: '2.0.0',
            format: 'parquet',
            columns: [{ name: 'id', type: 'string' }],
            files: [dataFile('data/v2.jsonl', '{"id":"2"}\n', 1)],
          },
        },
        vendor.key,
      ),
    ).createDatasetVersion.datasetVersion.id;
    const { uploadFiles, PUBLISH_VERSION } = await import('./support/fixtures.js');
    await uploadFiles(app, vendor.key, v2);
    ok(await app.gql(PUBLISH_VERSION, { id: v2 }, vendor.key));
    const published = (await stream(buyerA, ['version.published'])).find((e) => e.data.versionId === v2);
    expect(published!.data).toMatchObject({ datasetId, version: '2.0.0' });
    expect((await stream(buyerC, ['version.published'])).some((e) => e.data.versionId === v2)).toBe(false);
  });

  it('warns the licensee at 80% of a usage cap and says when it is reached, once each', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/part.bin', 'x'.repeat(100), 1)] });
    const { licenseId } = await usageLicense(app, vendor, buyerC, datasetId, { usageUnit: 'REQUEST', usageCap: 5 });
    const token = await accessToken(app, buyerC, licenseId);
    const download = () => fetch(`${app.url}/data/${versionId}/data/part.bin`, { headers: { authorization: `Bearer ${token}` } });
    const capEvents = async () =>
      (await stream(buyerC, ['usage.cap_warning', 'usage.cap_reached'])).filter((e) => e.data.licenseId === licenseId);
    for (let i = 0; i < 3; i++) expect((await download()).status).toBe(200);
    await waitFor(
      async () =>
        (await app.gql(`query($id: ID!) { license(id: $id) { currentUsage { used } } }`, { id: licenseId }, buyerC.key)).data?.license
          .currentUsage.used === 3,
    );
    expect(await capEvents()).toEqual([]);
    expect((await download()).status).toBe(200);
    const warned = await waitFor(async () => {
      const events = await capEvents();
      return events.length === 1 ? events : undefined;
    });
    expect(warned[0]).toMatchObject({ type: 'usage.cap_warning', data: { used: 4, usageCap: 5, unit: 'REQUEST' } });
    expect((await download()).status).toBe(200);
    const reached = await waitFor(async () => {
      const events = await capEvents();
      return events.length === 2 ? events : undefined;
    });
    expect(reached[1]).toMatchObject({ type: 'usage.cap_reached', data: { used: 5, usageCap: 5 } });
    expect((await download()).status).toBe(402);
    expect(await stream(vendor, ['usage.cap_reached'])).toEqual([]);
  });
});
