import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowStartOf } from '../src/metering/windows.js';
import { ADMIN_KEY, apiClient, startTestApp, type TestApp } from './support/app.js';
import { eventually, startServerProcess, type ServerProcess } from './support/app-process.js';
import { connectVendor } from './support/commerce.js';
import { FakeStripe } from './support/fake-stripe.js';
import { dataFile, ok, publishDataset, signUp } from './support/fixtures.js';
import { insertUsage, usageLicense } from './support/metering.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const METER_PATH = '/v1/billing/meter_events';
const HOUR = 3_600_000;
/** How long a `web` process is watched for background work: dozens of its would-be 20 ms passes. */
const QUIET_WINDOW_MS = 1500;

let fake: FakeStripe;
let receiver: WebhookReceiver;
let app: TestApp;
const processes: ServerProcess[] = [];

/** Background work on short intervals, so a process that runs it shows it within moments. */
const busyBackground = (role: string) => ({
  ASSAY_ROLE: role,
  ASSAY_SECRET: app.secret,
  ASSAY_METERING_INTERVAL_MS: '20',
  ASSAY_METERING_GRACE_MS: '0',
  ASSAY_WEBHOOKS_INTERVAL_MS: '20',
  ASSAY_WEBHOOKS_ALLOW_PRIVATE: '1',
  ASSAY_JOBS_LEADER_RETRY_MS: '50',
  ...fake.env(),
});

async function start(role: string): Promise<ServerProcess> {
  const proc = await startServerProcess(app.databaseUrl, busyBackground(role));
  processes.push(proc);
  return proc;
}

/** Holds `check` false for the whole window (polling), failing as soon as it turns true. */
async function staysFalse(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) throw new Error(`${what} happened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  fake = await FakeStripe.start();
  receiver = await WebhookReceiver.start();
  // The in-test server only sets things up; as a `web` process it runs no background work either.
  app = await startTestApp({ ...fake.env(), ASSAY_ROLE: 'web', ASSAY_WEBHOOKS_ALLOW_PRIVATE: '1' });
}, 60_000);
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await app?.close();
  await receiver?.close();
  await fake?.close();
});

describe('ASSAY_ROLE', () => {
  it('a web process serves the API and never reports usage nor delivers webhooks; a worker process does both', async () => {
    const web = await start('web');
    expect(web.output()).toContain('Role: web (ASSAY_ROLE)');
    expect(web.logs().find((l) => l.msg === 'assay started')).toMatchObject({ role: 'web' });
    const api = apiClient(web.url);

    // Set up through the web process: a metered license with usage in a closed window, and a webhook to deliver.
    const [vendor, buyer] = [await signUp(api, 'VENDOR'), await signUp(api, 'BUYER')];
    await connectVendor(app, vendor, fake);
    const { datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/part.bin', 'x'.repeat(10), 1)] });
    const { licenseId } = await usageLicense(app, vendor, buyer, datasetId, { usageUnit: 'REQUEST' });
    await insertUsage(app, [
      {
        licenseId,
        organizationId: buyer.id,
        versionId,
        servedAt: new Date(windowStartOf(new Date()).getTime() - HOUR),
        bytes: 10,
        rows: 1,
      },
    ]);
    ok(
      await api.gql(
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
        { input: { url: receiver.url, eventTypes: ['dataset.suspended'] } },
        vendor.key,
      ),
    );
    ok(
      await api.gql(
        `mutation($id: ID!) { suspendDataset(input: { id: $id, reason: "roles" }) { dataset { id } } }`,
        { id: datasetId },
        ADMIN_KEY,
      ),
    );
    const pending = await app.database.pool.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING'`);
    expect(pending.rows[0].n).toBe(1);

    await staysFalse(
      () => fake.calls('POST', METER_PATH).length > 0 || receiver.received.length > 0,
      QUIET_WINDOW_MS,
      'background work in a web process',
    );
    expect(web.logs().some((l) => String(l.msg).startsWith('periodic jobs'))).toBe(false);

    const worker = await start('worker');
    expect(worker.output()).toContain('as a worker');
    await eventually(
      () => fake.calls('POST', METER_PATH).length === 1 && receiver.received.length === 1,
      20_000,
      'the worker reports and delivers',
    );
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'dataset.suspended' });
    await eventually(() => worker.logs().some((l) => l.msg === 'periodic jobs: this process leads'), 20_000, 'the worker leads the jobs');
    expect(web.logs().some((l) => String(l.msg).startsWith('periodic jobs'))).toBe(false);
  }, 180_000);

  it('a worker process answers the probes and 404 on GraphQL and the data routes', async () => {
    const worker = processes.find((p) => p.output().includes('as a worker')) ?? (await start('worker'));
    for (const probe of ['/livez', '/readyz', '/healthz']) expect((await fetch(`${worker.url}${probe}`)).status).toBe(200);
    expect((await fetch(`${worker.url}/metrics`)).status).not.toBe(404);
    const graphql = await fetch(`${worker.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(graphql.status).toBe(404);
    for (const route of ['/', '/audit/export', '/.well-known/jwks.json', '/data/dsv_x/a.bin']) {
      expect((await fetch(`${worker.url}${route}`)).status).toBe(404);
    }
    expect((await fetch(`${worker.url}/uploads/upl_x`, { method: 'PUT', body: 'x' })).status).toBe(404);
    expect((await fetch(`${worker.url}/webhooks/stripe`, { method: 'POST', body: '{}' })).status).toBe(404);
  }, 120_000);

  it('refuses to start with an unknown role, saying which values it takes', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', DATABASE_URL: app.databaseUrl, ASSAY_ROLE: 'batch' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toBe('Invalid configuration:\n  ASSAY_ROLE: must be one of all, web, worker\n');
  }, 60_000);
});
