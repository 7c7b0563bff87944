import { lookup } from 'node:dns/promises';
import os from 'node:os';
import { Webhook } from 'standardwebhooks';
import { isPrivateAddress } from '../src/events/outbound.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import { addMember, expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';
import { waitFor, WebhookReceiver } from './support/webhook-receiver.js';

const ENDPOINT_FIELDS = 'id url eventTypes enabled disabledAt disabledReason consecutiveFailures';
const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT_FIELDS} } } }`;
const UPDATE_ENDPOINT = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT_FIELDS} } } }`;
const DELETE_ENDPOINT = `mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedId } }`;
const ROTATE = `mutation($id: ID!) { rotateWebhookSecret(input: { id: $id }) { secret endpoint { id } } }`;
const ENDPOINTS = `{ webhookEndpoints { ${ENDPOINT_FIELDS} } }`;
const DELIVERIES = `query($id: ID!) { webhookDeliveries(endpointId: $id) { id eventId eventType status attempts lastStatusCode lastError firstAttemptAt lastAttemptAt deliveredAt } }`;
const SUSPEND = `mutation($id: ID!) { suspendDataset(input: { id: $id, reason: "review" }) { dataset { id } } }`;
const REINSTATE = `mutation($id: ID!) { reinstateDataset(input: { id: $id }) { dataset { id } } }`;
const RETRACT = `mutation($id: ID!) { retractDatasetVersion(input: { id: $id, reason: "contains PII" }) { datasetVersion { id } } }`;

/** Fast retries so the backoff tests take milliseconds; the test clock moves on between polls. */
const FAST = {
  ASSAY_WEBHOOKS_ALLOW_PRIVATE: '1',
  ASSAY_WEBHOOKS_INTERVAL_MS: '20',
  ASSAY_WEBHOOKS_RETRY_BASE_MS: '50',
  ASSAY_WEBHOOKS_RETRY_MAX_MS: '200',
  ASSAY_WEBHOOKS_TIMEOUT_MS: '2000',
};

let app: TestApp;
let receiver: WebhookReceiver;
let vendor: Org;
const tick = () => app.clock.advance(250);

async function register(org: Org, url: string, eventTypes?: string[]) {
  return ok(await app.gql(CREATE_ENDPOINT, { input: { url, eventTypes } }, org.key)).createWebhookEndpoint as {
    secret: string;
    endpoint: { id: string; enabled: boolean };
  };
}

const deliveries = async (org: Org, endpointId: string) => ok(await app.gql(DELIVERIES, { id: endpointId }, org.key)).webhookDeliveries;

/** A dataset of `vendor` with a FREE license held by `buyer`. */
async function licensed(buyer: Org) {
  const published = await publishDataset(app, vendor);
  ok(await purchase(app, buyer, await createOffer(app, vendor, published.datasetId)));
  return published;
}

beforeAll(async () => {
  app = await startTestApp(FAST);
  receiver = await WebhookReceiver.start();
  vendor = await signUp(app, 'VENDOR');
});
afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

describe('webhook endpoints', () => {
  it('only organization owners manage them, each only its own organization’s (NOT_FOUND across tenants)', async () => {
    const [a, b] = await Promise.all([signUp(app, 'BUYER'), signUp(app, 'BUYER')]);
    const created = await register(a, receiver.url, ['license.status_changed']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(created.endpoint).toMatchObject({ url: receiver.url, eventTypes: ['license.status_changed'], enabled: true });
    const id = created.endpoint.id;

    const member = await addMember(app, a);
    expectError(await app.gql(CREATE_ENDPOINT, { input: { url: receiver.url } }, member.key), 'FORBIDDEN');
    expectError(await app.gql(ENDPOINTS, {}, member.key), 'FORBIDDEN');
    expectError(await app.gql(UPDATE_ENDPOINT, { input: { id, enabled: false } }, member.key), 'FORBIDDEN');
    expectError(await app.gql(CREATE_ENDPOINT, { input: { url: receiver.url } }), 'UNAUTHENTICATED');
    expectError(await app.gql(ENDPOINTS, {}, ADMIN_KEY), 'FORBIDDEN');

    // Another organization's owner cannot see, change, rotate, delete or read the deliveries of it.
    expect(ok(await app.gql(ENDPOINTS, {}, b.key)).webhookEndpoints).toEqual([]);
    expectError(await app.gql(UPDATE_ENDPOINT, { input: { id, url: 'http://127.0.0.1:1/x' } }, b.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(ROTATE, { id }, b.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(DELETE_ENDPOINT, { id }, b.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(DELIVERIES, { id }, b.key), 'NOT_FOUND', 'endpointId');
    expect(ok(await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, b.key)).node).toBeNull();
    expect(ok(await app.gql(ENDPOINTS, {}, a.key)).webhookEndpoints).toMatchObject([{ id, url: receiver.url }]);

    const updated = ok(await app.gql(UPDATE_ENDPOINT, { input: { id, eventTypes: [], enabled: false } }, a.key)).updateWebhookEndpoint;
    expect(updated.endpoint).toMatchObject({ eventTypes: [], enabled: false, disabledReason: 'disabled by an owner' });
    expect(ok(await app.gql(DELETE_ENDPOINT, { id }, a.key)).deleteWebhookEndpoint).toEqual({ deletedId: id });
    expect(ok(await app.gql(ENDPOINTS, {}, a.key)).webhookEndpoints).toEqual([]);
    expectError(await app.gql(DELETE_ENDPOINT, { id }, a.key), 'NOT_FOUND', 'input.id');
  });

  it('refuses bad URLs and unknown event types, naming the field', async () => {
    const owner = await signUp(app, 'BUYER');
    for (const url of ['not a url', 'ftp://example.com/hook', 'https://user:pw@example.com/hook']) {
      expectError(await app.gql(CREATE_ENDPOINT, { input: { url } }, owner.key), 'BAD_USER_INPUT', 'input.url');
    }
    expectError(
      await app.gql(CREATE_ENDPOINT, { input: { url: receiver.url, eventTypes: ['license.nope'] } }, owner.key),
      'BAD_USER_INPUT',
      'input.eventTypes.0',
    );
    expectError(await app.gql(UPDATE_ENDPOINT, { input: { id: 'whep_nope' } }, owner.key), 'BAD_USER_INPUT', 'input.id');
  });

  it('without ASSAY_WEBHOOKS_ALLOW_PRIVATE only https URLs outside private ranges are taken', async () => {
    const strict = await startTestApp();
    try {
      const owner = await signUp(strict, 'BUYER');
      for (const url of [
        'http://hooks.example.com/x',
        'https://127.0.0.1/x',
        'https://10.1.2.3/x',
        'https://192.168.0.10/x',
        'https://169.254.169.254/latest',
        'https://[::1]/x',
        'https://[::ffff:127.0.0.1]/x',
        'https://localhost/x',
      ]) {
        expectError(await strict.gql(CREATE_ENDPOINT, { input: { url } }, owner.key), 'BAD_USER_INPUT', 'input.url');
      }
      ok(await strict.gql(CREATE_ENDPOINT, { input: { url: 'https://hooks.example.com/assay' } }, owner.key));
    } finally {
      await strict.close();
    }
  });
});

describe('webhook deliveries', () => {
  it('signs every delivery per Standard Webhooks, verifiable with the standardwebhooks package, also across a rotation', async () => {
    const buyer = await signUp(app, 'BUYER');
    const { secret, endpoint } = await register(buyer, `${receiver.url}/sig`, ['license.status_changed']);
    const { datasetId } = await publishDataset(app, vendor);
    const license = ok(await purchase(app, buyer, await createOffer(app, vendor, datasetId))).purchaseLicense.license;
    const mine = () => receiver.received.filter((r) => r.headers['webhook-id'] && JSON.parse(r.body).data.licenseId === license.id);
    const [first] = await waitFor(() => (mine().length === 1 ? mine() : undefined));
    const headers = first!.headers as Record<string, string>;
    const payload = new Webhook(secret).verify(first!.body, headers) as { id: string; type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({
      id: headers['webhook-id'],
      type: 'license.status_changed',
      data: { licenseId: license.id, status: 'ACTIVE' },
    });
    expect(headers['webhook-id']).toMatch(/^evt_/);
    expect(Math.abs(Number(headers['webhook-timestamp']) - app.clock.now().getTime() / 1000)).toBeLessThan(5);
    // A forged or altered body does not verify.
    expect(() => new Webhook(secret).verify(first!.body.replace('ACTIVE', 'REVOKED'), headers)).toThrow();

    const rotated = ok(await app.gql(ROTATE, { id: endpoint.id }, buyer.key)).rotateWebhookSecret.secret as string;
    expect(rotated).not.toBe(secret);
    ok(await app.gql(`mutation($id: ID!) { cancelLicense(input: { id: $id }) { license { id } } }`, { id: license.id }, buyer.key));
    const [, second] = await waitFor(() => (mine().length === 2 ? mine() : undefined));
    // Both the new and (for a while) the old secret verify, so receivers can switch over.
    expect(new Webhook(rotated).verify(second!.body, second!.headers as Record<string, string>)).toMatchObject({
      data: { status: 'CANCELED' },
    });
    expect(new Webhook(secret).verify(second!.body, second!.headers as Record<string, string>)).toMatchObject({
      data: { status: 'CANCELED' },
    });
    expect(await deliveries(buyer, endpoint.id)).toMatchObject([
      { status: 'SUCCEEDED', attempts: 1, lastStatusCode: 204, eventType: 'license.status_changed' },
      { status: 'SUCCEEDED', attempts: 1, lastStatusCode: 204, eventType: 'license.status_changed' },
    ]);
  });

  it('a retraction reaches the endpoints of every licensee of every descendant, and nobody else’s', async () => {
    const [vendor2, rootBuyer, childBuyer, grandchildBuyer, bystander] = await Promise.all([
      signUp(app, 'VENDOR'),
      signUp(app, 'BUYER'),
      signUp(app, 'BUYER'),
      signUp(app, 'BUYER'),
      signUp(app, 'BUYER'),
    ]);
    const seed = (versionId: string) => ({
      provenance: { method: 'LLM_GENERATION', generator: { model: 'gen-1' }, sources: [{ versionId, role: 'SEED', rowsUsed: '10' }] },
    });
    const root = await licensed(rootBuyer);
    const child = await publishDataset(app, vendor2, { kind: 'SYNTHETIC' }, seed(root.versionId));
    const grandchild = await publishDataset(app, vendor2, { kind: 'SYNTHETIC' }, seed(child.versionId));
    ok(await purchase(app, childBuyer, await createOffer(app, vendor2, child.datasetId)));
    ok(await purchase(app, grandchildBuyer, await createOffer(app, vendor2, grandchild.datasetId)));
    await licensed(bystander);
    const receivers = new Map<string, WebhookReceiver>();
    for (const org of [rootBuyer, childBuyer, grandchildBuyer, bystander, vendor2]) {
      const r = await WebhookReceiver.start();
      receivers.set(org.id, r);
      await register(org, r.url, ['version.retracted']);
    }
    try {
      ok(await app.gql(RETRACT, { id: root.versionId }, vendor.key));
      for (const org of [rootBuyer, childBuyer, grandchildBuyer]) {
        const got = await waitFor(() => {
          const list = receivers.get(org.id)!.delivered();
          return list.length === 1 ? list : undefined;
        });
        expect(got[0]).toMatchObject({
          type: 'version.retracted',
          data: { versionId: root.versionId, reason: 'contains PII', descendants: 2 },
        });
      }
      // The same event in the stream: by now every delivery is done, and nobody else was sent one.
      const sent = await app.database.pool.query(
        `SELECT count(*)::int AS n FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
        WHERE e.type = 'version.retracted' AND e.data->>'versionId' = $1`,
        [root.versionId],
      );
      expect(sent.rows[0].n).toBe(3);
      expect(receivers.get(bystander.id)!.received).toEqual([]);
      expect(receivers.get(vendor2.id)!.received).toEqual([]);
    } finally {
      await Promise.all([...receivers.values()].map((r) => r.close()));
    }
  });

  it('a receiver that fails five times gets the event once more with the same webhook-id, and it is never lost', async () => {
    const buyer = await signUp(app, 'BUYER');
    const flaky = await WebhookReceiver.start();
    flaky.respond = (n) => (n < 5 ? 500 : 204);
    try {
      const { secret, endpoint } = await register(buyer, flaky.url, ['license.status_changed']);
      await licensed(buyer);
      await waitFor(() => flaky.received.length === 6, { tick });
      const ids = new Set(flaky.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      expect(flaky.received.map((r) => r.answered)).toEqual([500, 500, 500, 500, 500, 204]);
      for (const r of flaky.received) expect(() => new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
      const [delivery] = await waitFor(async () => {
        const list = await deliveries(buyer, endpoint.id);
        return list[0]?.status === 'SUCCEEDED' ? list : undefined;
      });
      expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 6, lastStatusCode: 204, eventId: [...ids][0] });
      // The endpoint counts no failure once a delivery got through.
      expect(ok(await app.gql(ENDPOINTS, {}, buyer.key)).webhookEndpoints[0]).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    } finally {
      await flaky.close();
    }
  });

  it('refuses at delivery time a host name that resolves to a private address (DNS rebinding)', async () => {
    // This machine's own name resolves (from /etc/hosts, no network needed) to a loopback or private address.
    const resolved = await lookup(os.hostname());
    expect(isPrivateAddress(resolved.address)).toBe(true);
    const strict = await startTestApp({ ...FAST, ASSAY_WEBHOOKS_ALLOW_PRIVATE: '0', ASSAY_WEBHOOKS_RETRY_FOR_MS: '0' });
    try {
      const buyer = await signUp(strict, 'BUYER');
      const v = await signUp(strict, 'VENDOR');
      // A name, not an address, so it is accepted when registered; what it resolves to is refused when sent.
      const endpoint = ok(
        await strict.gql(CREATE_ENDPOINT, { input: { url: `https://${os.hostname()}:1/hook`, eventTypes: [] } }, buyer.key),
      ).createWebhookEndpoint.endpoint;
      const { datasetId } = await publishDataset(strict, v);
      const offerId = await createOffer(strict, v, datasetId);
      ok(await purchase(strict, buyer, offerId));
      const list = await waitFor(async () => {
        const rows = ok(await strict.gql(DELIVERIES, { id: endpoint.id }, buyer.key)).webhookDeliveries;
        return rows.length > 0 && rows.every((d: { status: string }) => d.status === 'FAILED') ? rows : undefined;
      });
      expect(list[0]).toMatchObject({ lastError: 'the host resolves to a private address', lastStatusCode: null, attempts: 1 });
    } finally {
      await strict.close();
    }
  });

  it('retries with exponential backoff for at least 24 hours (the defaults), then marks the delivery FAILED', async () => {
    const defaults = await startTestApp({ ASSAY_WEBHOOKS_ALLOW_PRIVATE: '1', ASSAY_WEBHOOKS_INTERVAL_MS: '20' });
    const down = await WebhookReceiver.start();
    down.respond = () => 500;
    try {
      const owner = await signUp(defaults, 'BUYER');
      const v = await signUp(defaults, 'VENDOR');
      const endpoint = ok(await defaults.gql(CREATE_ENDPOINT, { input: { url: down.url } }, owner.key)).createWebhookEndpoint.endpoint;
      const { datasetId } = await publishDataset(defaults, v);
      ok(await purchase(defaults, owner, await createOffer(defaults, v, datasetId)));
      const failed = await waitFor(
        async () => {
          const [d] = ok(await defaults.gql(DELIVERIES, { id: endpoint.id }, owner.key)).webhookDeliveries;
          return d?.status === 'FAILED' ? d : undefined;
        },
        { tick: () => defaults.clock.advance(20 * 60_000), timeoutMs: 20_000 },
      );
      const span = Date.parse(failed.lastAttemptAt) - Date.parse(failed.firstAttemptAt);
      expect(span).toBeGreaterThanOrEqual(24 * 3_600_000);
      expect(span).toBeLessThan(30 * 3_600_000);
      // 30 s doubling up to 4 h: about a dozen attempts, every one of them the same event.
      expect(failed.attempts).toBeGreaterThanOrEqual(10);
      expect(down.received).toHaveLength(failed.attempts);
      expect(new Set(down.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    } finally {
      await defaults.close();
      await down.close();
    }
  });

  it('disables an endpoint after the documented number of failed deliveries in a row; its owner re-enables it', async () => {
    const failing = await startTestApp({ ...FAST, ASSAY_WEBHOOKS_RETRY_FOR_MS: '0', ASSAY_WEBHOOKS_DISABLE_AFTER: '2' });
    const down = await WebhookReceiver.start();
    // A redirect is an answer, not a success: it is not followed (the receiver sees no second request for it).
    down.respond = (n) => (n === 0 ? 302 : 503);
    try {
      const owner = await signUp(failing, 'BUYER');
      const v = await signUp(failing, 'VENDOR');
      const endpoint = ok(await failing.gql(CREATE_ENDPOINT, { input: { url: down.url } }, owner.key)).createWebhookEndpoint.endpoint;
      const { datasetId } = await publishDataset(failing, v);
      const offerId = await createOffer(failing, v, datasetId);
      ok(await purchase(failing, owner, offerId));
      ok(await failing.gql(SUSPEND, { id: datasetId }, ADMIN_KEY));
      const disabled = await waitFor(async () => {
        const [e] = ok(await failing.gql(ENDPOINTS, {}, owner.key)).webhookEndpoints;
        return e.enabled ? undefined : e;
      });
      expect(disabled).toMatchObject({ enabled: false, consecutiveFailures: 2, disabledReason: '2 deliveries in a row failed' });
      expect(down.received).toHaveLength(2);
      const failed = ok(await failing.gql(DELIVERIES, { id: endpoint.id }, owner.key)).webhookDeliveries;
      expect(failed.map((d: { status: string; lastStatusCode: number }) => [d.status, d.lastStatusCode]).sort()).toEqual([
        ['FAILED', 302],
        ['FAILED', 503],
      ]);

      // While disabled nothing is sent (the stream still has it); re-enabled, new events flow again.
      ok(await failing.gql(REINSTATE, { id: datasetId }, ADMIN_KEY));
      down.respond = () => 200;
      const enabled = ok(
        await failing.gql(UPDATE_ENDPOINT, { input: { id: endpoint.id, enabled: true } }, owner.key),
      ).updateWebhookEndpoint;
      expect(enabled.endpoint).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
      ok(await failing.gql(SUSPEND, { id: datasetId }, ADMIN_KEY));
      const got = await waitFor(() => (down.delivered().length === 1 ? down.delivered() : undefined));
      expect(got[0]).toMatchObject({ type: 'dataset.suspended', data: { datasetId } });
      expect(down.received).toHaveLength(3);
    } finally {
      await failing.close();
      await down.close();
    }
  });
});
