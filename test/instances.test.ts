import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, apiClient, createTestDatabase, type ApiClient } from './support/app.js';
import { eventually, type ServerProcess } from './support/app-process.js';
import { REVOKE } from './support/commerce.js';
import { ok } from './support/fixtures.js';
import { REVOKE_TOKEN, download, issueToken, licensedBuyer, refusedWithin, startInstances } from './support/instances.js';

const SUSPEND = `mutation($id: ID!) { suspendDataset(input: { id: $id, reason: "Takedown request" }) { dataset { id status } } }`;
/** What "reach every instance within a second" allows, measured from the moment the change's mutation answered. */
const WITHIN_MS = 1000;

let db: pg.Pool;
let cluster: Awaited<ReturnType<typeof startInstances>>;
let a: ServerProcess;
let b: ServerProcess;
let viaA: ApiClient;
let setup: Awaited<ReturnType<typeof licensedBuyer>>;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  cluster = await startInstances(databaseUrl, 2);
  [a, b] = cluster.instances as [ServerProcess, ServerProcess];
  viaA = apiClient(a.url);
  setup = await licensedBuyer(viaA);
}, 180_000);
afterAll(async () => {
  await cluster?.stop();
  await db?.end();
});

/** B's listener backend, by the server process ID its application name carries. */
const listenerOf = async (p: ServerProcess) =>
  (
    await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [
      `assay-listener ${p.child.pid}`,
    ])
  ).rows.map((r) => r.pid);

/** B serves the token now (and so holds its token, license and listing state in its cache). */
async function servedBy(p: ServerProcess, token: string) {
  const res = await download(p.url, setup.versionId, setup.filePath, token);
  expect([res.status, res.error]).toEqual([200, undefined]);
}

describe('two server processes on one database', () => {
  it('refuses through B a token revoked through A within a second, also after B’s listener connection was killed', async () => {
    const first = await issueToken(viaA, setup.buyer, setup.license.id);
    await servedBy(b, first.token);
    await servedBy(a, first.token);
    ok(await viaA.gql(REVOKE_TOKEN, { id: first.id }, setup.buyer.key));
    await refusedWithin(WITHIN_MS, 'TOKEN_REVOKED', () => download(b.url, setup.versionId, setup.filePath, first.token));

    // The listener's connection dies (an operator, a failover, a pooler restart): B opens a new one and listens again.
    const [killed] = await listenerOf(b);
    expect(killed).toBeDefined();
    await db.query('SELECT pg_terminate_backend($1)', [killed]);
    await eventually(
      async () => {
        const now = await listenerOf(b);
        return now.length === 1 && now[0] !== killed;
      },
      15_000,
      'B listening again',
    );
    // Its backend shows before its LISTEN has returned: the gauge follows a moment later.
    await eventually(
      async () => /^assay_gate_change_listener_up 1$/m.test(await (await fetch(`${b.url}/metrics`)).text()),
      5_000,
      'B reporting its listener up',
    );

    const second = await issueToken(viaA, setup.buyer, setup.license.id);
    await servedBy(b, second.token);
    ok(await viaA.gql(REVOKE_TOKEN, { id: second.id }, setup.buyer.key));
    await refusedWithin(WITHIN_MS, 'TOKEN_REVOKED', () => download(b.url, setup.versionId, setup.filePath, second.token));
    expect(b.logs().some((l) => l.msg?.startsWith('download gate: change notifications interrupted'))).toBe(true);
  }, 60_000);

  it('refuses through B a listing suspended and a license revoked through A within a second', async () => {
    const other = await licensedBuyer(viaA);
    const { token } = await issueToken(viaA, other.buyer, other.license.id);
    const get = () => download(b.url, other.versionId, other.filePath, token);
    expect((await get()).status).toBe(200);

    ok(await viaA.gql(SUSPEND, { id: other.datasetId }, ADMIN_KEY));
    await refusedWithin(WITHIN_MS, 'DATASET_SUSPENDED', get);

    // The first buyer's license, revoked by the platform: every token of it stops.
    const { token: live } = await issueToken(viaA, setup.buyer, setup.license.id);
    await servedBy(b, live);
    ok(await viaA.gql(REVOKE, { id: setup.license.id, reason: 'Terms breached' }, ADMIN_KEY));
    await refusedWithin(WITHIN_MS, 'LICENSE_NOT_ACTIVE', () => download(b.url, setup.versionId, setup.filePath, live));
  }, 60_000);
});
