import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash } from '../src/audit/chain.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { createOffer, purchase } from './support/commerce.js';
import { expectError, ok, publishDataset, signUp, type Org } from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
let buyer: Org;
let auditor: string;

const EVENTS = `query($filter: AuditEventFilter, $first: Int) {
  auditEvents(filter: $filter, first: $first) {
    totalCount
    nodes { id seq action subjectType subjectId datasetId licenseId clientAddress requestId details actor { id } actorOrganization { id } hash prevHash }
  }
}`;
const VERIFY = `query($from: DateTime, $to: DateTime) { verifyAuditLog(from: $from, to: $to) { ok checked firstBrokenEventId reason checkpointsVerified checks } }`;

beforeAll(async () => {
  app = await startTestApp();
  [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  auditor = ok(
    await app.gql(
      `mutation { createStaffUser(input: { name: "Aud", email: "aud-audit@assay.example", role: AUDITOR }) { secret } }`,
      {},
      ADMIN_KEY,
    ),
  ).createStaffUser.secret;
});
afterAll(async () => {
  await app?.close();
});

/** The IDs of an organization's datasets, read from the database (what a member's audit view may concern). */
async function datasetsOf(vendorId: string): Promise<Set<string>> {
  const { rows } = await app.database.pool.query<{ id: string }>('SELECT id FROM datasets WHERE vendor_id = $1', [vendorId]);
  return new Set(rows.map((r) => r.id));
}

async function eventsOf(action: string, key = ADMIN_KEY) {
  return ok(await app.gql(EVENTS, { filter: { action }, first: 100 }, key)).auditEvents.nodes as any[];
}

describe('audit trail', () => {
  it('starts with a verifiable chain: the bootstrap admin is the first event', async () => {
    const first = (await app.database.pool.query('SELECT action FROM audit_events WHERE seq = 1')).rows[0];
    expect(first.action).toBe('admin.bootstrapped');
    expect(ok(await app.gql(VERIFY, {}, auditor)).verifyAuditLog).toMatchObject({ ok: true, firstBrokenEventId: null });
  });

  it('records each act once, with actor, organization, subject, address and request id', async () => {
    const res = await app.gql(`mutation { createApiKey(input: { name: "audited" }) { apiKey { id } } }`, {}, buyer.key);
    const keyId = ok(res).createApiKey.apiKey.id;
    const created = (await eventsOf('api_key.created')).filter((e) => e.subjectId === keyId);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      subjectType: 'ApiKey',
      actor: { id: buyer.ownerId },
      actorOrganization: { id: buyer.id },
      clientAddress: '127.0.0.1',
      requestId: res.headers.get('x-request-id'),
      details: { name: 'audited' },
    });

    ok(await app.gql(`mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }`, { id: keyId }, buyer.key));
    // Revoking twice records once: the second call changes nothing.
    ok(await app.gql(`mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }`, { id: keyId }, buyer.key));
    expect((await eventsOf('api_key.revoked')).filter((e) => e.subjectId === keyId)).toHaveLength(1);

    const { datasetId, versionId } = await publishDataset(app, vendor);
    const published = (await eventsOf('dataset.published')).filter((e) => e.subjectId === versionId);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ datasetId, actorOrganization: { id: vendor.id }, details: { version: '1.0.0' } });

    ok(
      await app.gql(
        `mutation($id: ID!) { suspendDataset(input: { id: $id, reason: "audit test" }) { dataset { id } } }`,
        { id: datasetId },
        ADMIN_KEY,
      ),
    );
    const suspended = (await eventsOf('dataset.suspended')).filter((e) => e.subjectId === datasetId);
    expect(suspended).toHaveLength(1);
    expect(suspended[0].details).toEqual({ reason: 'audit test' });

    ok(await app.gql(`mutation { rotateSigningKey(input: { reason: "audit" }) { signingKey { kid } } }`, {}, ADMIN_KEY));
    expect(await eventsOf('signing_key.rotated')).toHaveLength(1);
    expect((await eventsOf('organization.created')).map((e) => e.subjectId)).toEqual(expect.arrayContaining([vendor.id, buyer.id]));
    expect((await eventsOf('vendor.approved')).map((e) => e.subjectId)).toContain(vendor.id);
  });

  it('shows each role exactly what it should', async () => {
    const other = await signUp(app, 'VENDOR');
    await publishDataset(app, other);
    const visible = async (key: string) => ok(await app.gql(EVENTS, { first: 100 }, key)).auditEvents.nodes as any[];
    for (const e of await visible(vendor.key)) expect(e.details).toBeDefined();
    const vendorSees = await visible(vendor.key);
    expect(vendorSees.length).toBeGreaterThan(0);
    const own = await datasetsOf(vendor.id);
    expect(vendorSees.every((e) => e.actorOrganization?.id === vendor.id || e.subjectId === vendor.id || own.has(e.datasetId))).toBe(true);
    // Not one event about the other vendor's datasets.
    const theirs = await datasetsOf(other.id);
    expect(theirs.size).toBeGreaterThan(0);
    expect(vendorSees.some((e) => theirs.has(e.datasetId))).toBe(false);
    expect(vendorSees.some((e) => e.actorOrganization?.id === other.id)).toBe(false);
    const buyerSees = await visible(buyer.key);
    expect(buyerSees.some((e) => e.actorOrganization?.id === vendor.id)).toBe(false);
    expect((await visible(auditor)).some((e) => e.actorOrganization?.id === other.id)).toBe(true);
    // Members cannot widen their view with a filter.
    expect(ok(await app.gql(EVENTS, { filter: { organizationId: other.id } }, vendor.key)).auditEvents.totalCount).toBe(0);
    expectError(await app.gql(EVENTS), 'UNAUTHENTICATED');
    expectError(await app.gql(VERIFY, {}, vendor.key), 'FORBIDDEN');
    expectError(await app.gql(`mutation { signAuditCheckpoint(input: {}) { signed } }`, {}, auditor), 'FORBIDDEN');
    expectError(
      await app.gql(`mutation($n: String) { signAuditCheckpoint(input: { note: $n }) { signed } }`, { n: 'x'.repeat(501) }, ADMIN_KEY),
      'BAD_USER_INPUT',
      'input.note',
    );
    expectError(await app.gql(EVENTS, { filter: { action: 'DROP TABLE' } }, auditor), 'BAD_USER_INPUT', 'filter.action');
  });

  it('keeps one consistent chain under concurrent writers', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        app.gql(`mutation($n: String!) { createApiKey(input: { name: $n }) { apiKey { id } } }`, { n: `c${i}` }, vendor.key),
      ),
    );
    const { rows } = await app.database.pool.query('SELECT seq FROM audit_events ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    expect(ok(await app.gql(VERIFY, {}, auditor)).verifyAuditLog.ok).toBe(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit table', async () => {
    await expect(app.database.pool.query(`UPDATE audit_events SET action = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(app.database.pool.query(`DELETE FROM audit_events WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(app.database.pool.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
  });

  it('finds and locates a row a superuser altered with triggers disabled, and a consistent rewrite via checkpoints', async () => {
    expect(ok(await app.gql(`mutation { signAuditCheckpoint(input: {}) { signed } }`, {}, ADMIN_KEY)).signAuditCheckpoint.signed).toBe(
      true,
    );
    expect(ok(await app.gql(VERIFY, {}, auditor)).verifyAuditLog).toMatchObject({
      ok: true,
      checkpointsVerified: 1,
      checks: ['CHAIN', 'CHECKPOINTS', 'HEAD'],
    });
    // A range with an end is not held to the head, and says so; a range without events ran nothing.
    const now = app.clock.now().getTime();
    const bounded = ok(await app.gql(VERIFY, { to: new Date(now + 60_000).toISOString() }, auditor)).verifyAuditLog;
    expect(bounded).toMatchObject({ ok: true, checks: ['CHAIN', 'CHECKPOINTS'] });
    expect(bounded.checked).toBeGreaterThan(0);
    const open = ok(await app.gql(VERIFY, { from: new Date(now - 3_600_000).toISOString() }, auditor)).verifyAuditLog;
    expect(open.checks).toEqual(['CHAIN', 'CHECKPOINTS', 'HEAD']);
    const empty = ok(await app.gql(VERIFY, { from: '9000-01-01T00:00:00Z' }, auditor)).verifyAuditLog;
    expect(empty).toMatchObject({ ok: true, checked: 0, checks: [] });

    const client = await app.database.pool.connect();
    try {
      const target = (await client.query(`SELECT seq, id FROM audit_events WHERE action = 'api_key.created' ORDER BY seq LIMIT 1`)).rows[0];
      await client.query('BEGIN');
      await client.query(`SET LOCAL session_replication_role = replica`);
      await client.query(`UPDATE audit_events SET details = '{"name":"forged"}' WHERE seq = $1`, [target.seq]);
      await client.query('COMMIT');
      const broken = ok(await app.gql(VERIFY, {}, auditor)).verifyAuditLog;
      expect(broken).toMatchObject({ ok: false, firstBrokenEventId: target.id, checks: ['CHAIN'] });
      expect(broken.reason).toMatch(/content/);

      // Recompute every hash from the forged row on: the chain is consistent again, but the signed checkpoint is not.
      const rows = (await client.query(`SELECT * FROM audit_events WHERE seq >= $1 ORDER BY seq`, [target.seq])).rows;
      let prev = (await client.query(`SELECT hash FROM audit_events WHERE seq = $1`, [Number(target.seq) - 1])).rows[0].hash;
      await client.query('BEGIN');
      await client.query(`SET LOCAL session_replication_role = replica`);
      for (const r of rows) {
        const hash = chainHash(prev, {
          seq: Number(r.seq),
          id: r.id,
          occurredAt: r.occurred_at,
          action: r.action,
          actorUserId: r.actor_user_id,
          actorOrganizationId: r.actor_organization_id,
          subjectType: r.subject_type,
          subjectId: r.subject_id,
          organizationIds: r.organization_ids,
          datasetId: r.dataset_id,
          licenseId: r.license_id,
          clientAddress: r.client_address,
          requestId: r.request_id,
          details: r.details,
        });
        await client.query(`UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE seq = $1`, [r.seq, prev, hash]);
        prev = hash;
      }
      await client.query(`UPDATE audit_chain_head SET hash = $1`, [prev]);
      await client.query('COMMIT');
      const rewritten = ok(await app.gql(VERIFY, {}, auditor)).verifyAuditLog;
      expect(rewritten.ok).toBe(false);
      expect(rewritten.reason).toMatch(/checkpoint/);
      expect(rewritten.checks).toEqual(['CHAIN', 'CHECKPOINTS']);
    } finally {
      client.release();
    }
  });
});

describe('audit export', () => {
  const exportUrl = (params: Record<string, string>) => `${app.url}/audit/export?${new URLSearchParams(params)}`;

  it('streams the same events as NDJSON and CSV, oldest first', async () => {
    const res = await fetch(exportUrl({ format: 'ndjson' }), { headers: { authorization: `Bearer ${auditor}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const total = ok(await app.gql(`{ auditEvents(first: 1) { totalCount } }`, {}, auditor)).auditEvents.totalCount;
    expect(lines).toHaveLength(total);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines[0]).toMatchObject({ action: 'admin.bootstrapped' });

    const csv = await fetch(exportUrl({ format: 'csv', action: 'api_key.created' }), { headers: { authorization: `Bearer ${auditor}` } });
    const rows = (await csv.text()).trim().split('\n');
    expect(rows[0]).toBe(
      'seq,id,occurredAt,action,actorUserId,actorOrganizationId,subjectType,subjectId,datasetId,licenseId,clientAddress,requestId,details,prevHash,hash',
    );
    const created = ok(await app.gql(`{ auditEvents(first: 100, filter: { action: "api_key.created" }) { totalCount } }`, {}, auditor))
      .auditEvents.totalCount;
    expect(rows).toHaveLength(created + 1);
    expect(rows.slice(1).every((r) => r.includes('"api_key.created"'))).toBe(true);
  });

  it('limits members to their organization and refuses bad parameters', async () => {
    const mine = await fetch(exportUrl({}), { headers: { authorization: `Bearer ${vendor.key}` } });
    const lines = (await mine.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    const own = await datasetsOf(vendor.id);
    expect(lines.every((l) => l.actorOrganizationId === vendor.id || l.subjectId === vendor.id || own.has(l.datasetId))).toBe(true);
    expect((await fetch(exportUrl({}))).status).toBe(401);
    const bad = await fetch(exportUrl({ format: 'xml' }), { headers: { authorization: `Bearer ${auditor}` } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'BAD_USER_INPUT', field: 'format' });
  });
});

describe('a member filtering on another organization', () => {
  const exported = async (params: Record<string, string>, key: string) => {
    const res = await fetch(`${app.url}/audit/export?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const text = (await res.text()).trim();
    return text ? text.split('\n').map((l) => JSON.parse(l) as { id: string; licenseId: string | null }) : [];
  };
  const listed = async (organizationId: string, key: string) =>
    ok(await app.gql(EVENTS, { filter: { organizationId }, first: 100 }, key)).auditEvents as {
      totalCount: number;
      nodes: { id: string; licenseId: string | null; action: string }[];
    };

  it('gets, in auditEvents and in the export alike, the events that concern both organizations and no others', async () => {
    const { datasetId } = await publishDataset(app, vendor);
    const offerId = await createOffer(app, vendor, datasetId);
    const licenseId = ok(await purchase(app, buyer, offerId)).purchaseLicense.license.id as string;

    // The vendor asks for the buyer's events: those of the license between them, never the buyer's own acts.
    const graph = await listed(buyer.id, vendor.key);
    expect(graph.nodes.map((e) => e.action)).toContain('license.activated');
    expect(graph.nodes.every((e) => e.licenseId === licenseId)).toBe(true);
    expect(graph.totalCount).toBe(graph.nodes.length);
    const file = await exported({ organizationId: buyer.id }, vendor.key);
    expect(file.map((e) => e.id)).toEqual(graph.nodes.map((e) => e.id).reverse());

    // An organization that shares nothing with the caller: nothing, and no error, on both paths.
    const stranger = await signUp(app, 'BUYER');
    expect(await listed(stranger.id, vendor.key)).toEqual({ totalCount: 0, nodes: [] });
    expect(await exported({ organizationId: stranger.id }, vendor.key)).toEqual([]);
    expect(await exported({ organizationId: stranger.id, format: 'ndjson' }, buyer.key)).toEqual([]);
  });
});
