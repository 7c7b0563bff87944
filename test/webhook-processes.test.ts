import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { ok, publishDataset, signUp } from './support/fixtures.js';
import { waitFor, WebhookReceiver } from './support/webhook-receiver.js';
import { killWorkerProcesses, startWorkerProcess } from './support/worker-process.js';

let app: TestApp;
let receiver: WebhookReceiver;

/** A real server process on the test database whose webhook worker sends the outbox (the in-test server's is off). */
const startServer = () =>
  startWorkerProcess(app.databaseUrl, {
    ASSAY_SECRET: app.secret,
    ASSAY_METERING_INTERVAL_MS: '0',
    ASSAY_WEBHOOKS_ALLOW_PRIVATE: '1',
    ASSAY_WEBHOOKS_INTERVAL_MS: '20',
    ASSAY_WEBHOOKS_BATCH: '4',
    ASSAY_WEBHOOKS_CONCURRENCY: '2',
    ASSAY_WEBHOOKS_TIMEOUT_MS: '500',
    ASSAY_WEBHOOKS_RETRY_BASE_MS: '50',
    ASSAY_WEBHOOKS_RETRY_MAX_MS: '200',
  });

async function statuses(): Promise<Map<string, string>> {
  const res = await app.database.pool.query(`SELECT event_id, status FROM webhook_deliveries`);
  return new Map(res.rows.map((r) => [r.event_id as string, r.status as string]));
}

beforeAll(async () => {
  app = await startTestApp({ ASSAY_WEBHOOKS_INTERVAL_MS: '0', ASSAY_WEBHOOKS_ALLOW_PRIVATE: '1' });
  receiver = await WebhookReceiver.start();
}, 60_000);
afterAll(async () => {
  killWorkerProcesses();
  await app?.close();
  await receiver?.close();
});

describe('webhook delivery across real server processes', () => {
  it('loses nothing when the server is killed (SIGKILL) in the middle of deliveries and started again', async () => {
    const vendor = await signUp(app, 'VENDOR');
    ok(
      await app.gql(
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
        { input: { url: receiver.url, eventTypes: ['dataset.suspended', 'dataset.reinstated'] } },
        vendor.key,
      ),
    );
    const { datasetId } = await publishDataset(app, vendor);
    for (let i = 0; i < 12; i++) {
      ok(
        await app.gql(
          `mutation($id: ID!) { suspendDataset(input: { id: $id, reason: "r${i}" }) { dataset { id } } }`,
          { id: datasetId },
          ADMIN_KEY,
        ),
      );
      ok(await app.gql(`mutation($id: ID!) { reinstateDataset(input: { id: $id }) { dataset { id } } }`, { id: datasetId }, ADMIN_KEY));
    }
    const expected = [...(await statuses()).keys()].sort();
    expect(expected).toHaveLength(24);
    // Each answer takes a while, so the kills land while requests are in flight and their results unrecorded.
    receiver.delayMs = 150;
    for (let round = 0; round < 2; round++) {
      const seen = receiver.received.length;
      const server = startServer();
      await waitFor(() => receiver.received.length >= seen + 3, { timeoutMs: 30_000 });
      server.child.kill('SIGKILL');
      await server.exited;
    }
    const done = [...(await statuses()).values()].filter((s) => s === 'SUCCEEDED').length;
    expect(done).toBeLessThan(24);

    const last = startServer();
    await waitFor(async () => [...(await statuses()).values()].every((s) => s === 'SUCCEEDED'), { timeoutMs: 60_000 });
    last.child.kill('SIGTERM');
    await last.exited;

    // Every event reached the receiver, each always under its own webhook-id; a cut-off send was sent again.
    const ids = receiver.received.map((r) => r.headers['webhook-id'] as string);
    expect([...new Set(ids)].sort()).toEqual(expected);
    const bodies = new Map(receiver.received.map((r) => [r.headers['webhook-id'], JSON.parse(r.body).id]));
    for (const [header, id] of bodies) expect(id).toBe(header);
  }, 180_000);
});
