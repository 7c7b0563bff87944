import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { chainHash, GENESIS_HASH } from '../src/audit/chain.js';
import { loadConfig } from '../src/config.js';
import { migrateDatabase, MIGRATIONS_FOLDER } from '../src/db/migrate.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { dataFile, ok, publishDataset, signUp } from './support/fixtures.js';
import { insertUsage, meteringWorker, usageLicense } from './support/metering.js';

const VERIFY = `query { verifyAuditLog { ok checked firstBrokenEventId reason } }`;
const AUDIT_PAGE = `query($f: AuditEventFilter) { auditEvents(first: 50, filter: $f) { edges { node { id action occurredAt } } } }`;
const USAGE = `query($id: ID!, $from: DateTime!, $to: DateTime!) { usage(licenseId: $id, from: $from, to: $to, granularity: DAY) { start requests } }`;
const DAY = 86_400_000;

const monthStart = (at: Date, plus = 0) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + plus, 1));
const partitionName = (table: string, month: Date) => `${table}_${month.toISOString().slice(0, 7).replace('-', '_')}`;

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function partitionsOf(db: pg.Pool | pg.Client, table: string): Promise<string[]> {
  const res = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [table],
  );
  return res.rows.map((r) => r.name);
}

/** Where each audit event of the range lives, by table name. */
async function auditEventHomes(db: pg.Pool | pg.Client): Promise<Map<string, string>> {
  const res = await db.query<{ id: string; home: string }>(`SELECT id, tableoid::regclass::text AS home FROM audit_events`);
  return new Map(res.rows.map((r) => [r.id, r.home]));
}

describe('converting the existing tables', () => {
  let admin: pg.Client;
  let app: TestApp | undefined;
  let databaseUrl: string;
  const now = new Date();
  const boundary = monthStart(now);
  /** Audit events that straddle the current month's start, plus one dated six months ahead (beyond the partitions made). */
  const future = new Date(monthStart(now, 6).getTime() + 3 * DAY);
  const auditTimes = [
    new Date(boundary.getTime() - 40 * DAY),
    new Date(boundary.getTime() - 60_000),
    new Date(boundary.getTime() - 1),
    boundary,
    new Date(boundary.getTime() + 60_000),
    future,
  ];
  const checksums: Record<string, unknown> = {};
  const checksum = async (table: string) =>
    (await admin.query(`SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM ${table} t`)).rows[0];

  beforeAll(async () => {
    // A database migrated only up to the migration before partitioning, owned by the application's role as in a deployment.
    const templateUrl = new URL(inject('pgTemplateUrl'));
    const name = `t_${randomBytes(8).toString('hex')}`;
    const superuser = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await superuser.connect();
    await superuser.query(`CREATE DATABASE ${name} OWNER ${decodeURIComponent(templateUrl.username)}`);
    await superuser.end();
    templateUrl.pathname = `/${name}`;
    databaseUrl = templateUrl.toString();
    const adminUrl = new URL(inject('pgAdminUrl'));
    adminUrl.pathname = `/${name}`;

    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-pre-partition-'));
    fs.cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    const at = journal.entries.findIndex((e) => e.tag.endsWith('_partition_by_month'));
    expect(at).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, at);
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await migrate(drizzle(client), { migrationsFolder: folder });
    await client.end();
    fs.rmSync(folder, { recursive: true, force: true });

    // Rows as the previous schema holds them (referenced rows skipped: replica role defers nothing but FK checks).
    admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query(`SET session_replication_role = replica`);
    await admin.query(
      `INSERT INTO licenses (id, offer_id, dataset_id, vendor_id, licensee_id, purchased_by, idempotency_key, status, billing_mode,
         pricing_model, commercial_use, model_training, derivatives, synthetic_generation, redistribution, attribution_required,
         version_scope, requested_at)
       SELECT 'lic_old', 'off_old', 'ds_old', 'org_v', 'org_b', 'usr_b', 'k', status, billing_mode, pricing_model,
              true, true, true, true, true, true, version_scope, now()
       FROM (SELECT enum_first(null::license_status) AS status, enum_first(null::billing_mode) AS billing_mode,
                    enum_first(null::pricing_model) AS pricing_model, enum_first(null::version_scope) AS version_scope) e`,
    );
    await admin.query(`SET session_replication_role = DEFAULT`);
    await admin.query(
      `INSERT INTO usage_events (id, license_id, token_id, organization_id, version_id, file_path, bytes, rows, status, client_address, served_at)
       SELECT 'ue_' || g, 'lic_old', 'tok_' || (g % 7), 'org_b', 'ver_old', 'data/' || (g % 3) || '.csv', g * 100, g, 200, '10.0.0.' || (g % 5),
              $1::timestamptz + g * interval '1 hour'
       FROM generate_series(1, 2000) g`,
      [new Date(boundary.getTime() - 45 * DAY)],
    );
    await admin.query(
      `INSERT INTO usage_reports (identifier, license_id, offer_id, window_start, window_end, sequence, billing_mode, event_name,
         usage_unit, quantity, value, bytes, rows, requests, status, next_attempt_at, created_at)
       SELECT 'rep_' || g, 'lic_old', 'off_old', w, w + interval '1 hour', 1, 'LOCAL', 'assay_usage_off_old', 'GIGABYTE', 0.5, '0.5',
              500, 5, 5, 'SENT', w, w
       FROM generate_series(1, 100) g, LATERAL (SELECT date_trunc('hour', $1::timestamptz) + g * interval '12 hours' AS w) x`,
      [new Date(boundary.getTime() - 30 * DAY)],
    );
    let prevHash = GENESIS_HASH;
    for (const [i, occurredAt] of auditTimes.entries()) {
      const content = {
        seq: i + 1,
        id: `aud_pre_${i}`,
        occurredAt,
        action: 'organization.created',
        actorUserId: null,
        actorOrganizationId: null,
        subjectType: 'Organization',
        subjectId: `org_${i}`,
        organizationIds: [],
        datasetId: null,
        licenseId: null,
        clientAddress: null,
        requestId: null,
        details: { n: i },
      };
      const hash = chainHash(prevHash, content);
      await admin.query(
        `INSERT INTO audit_events (seq, id, occurred_at, action, subject_type, subject_id, organization_ids, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, $8, $9)`,
        [content.seq, content.id, occurredAt, content.action, content.subjectType, content.subjectId, content.details, prevHash, hash],
      );
      prevHash = hash;
    }
    await admin.query(`UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id = 1`, [auditTimes.length, prevHash]);
    for (const t of ['usage_events', 'usage_reports', 'audit_events']) checksums[t] = await checksum(t);

    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    await migrateDatabase(pool);
    await pool.end();
  });
  afterAll(async () => {
    await app?.close();
    await admin?.end();
  });

  it('keeps every row of usage_events, usage_reports and audit_events, now in month partitions', async () => {
    for (const t of ['usage_events', 'usage_reports', 'audit_events']) {
      expect((await admin.query(`SELECT relkind FROM pg_class WHERE relname = $1`, [t])).rows[0].relkind).toBe('p');
      expect(await checksum(t)).toEqual(checksums[t]);
      const parts = await partitionsOf(admin, t);
      expect(parts).toContain(`${t}_default`);
      for (let i = 0; i <= 3; i++) expect(parts).toContain(partitionName(t, monthStart(now, i)));
    }
    // The oldest rows got their own months; only the event dated beyond the partitions made waits in the default one.
    expect(await partitionsOf(admin, 'usage_events')).toContain(partitionName('usage_events', monthStart(now, -2)));
    const homes = await auditEventHomes(admin);
    expect(homes.get('aud_pre_2')).toBe(partitionName('audit_events', monthStart(now, -1)));
    expect(homes.get('aud_pre_3')).toBe(partitionName('audit_events', boundary));
    expect(homes.get('aud_pre_5')).toBe('audit_events_default');
    for (const statement of [
      `UPDATE audit_events_default SET action = 'x'`,
      `DELETE FROM audit_events_default`,
      `TRUNCATE audit_events_default`,
    ]) {
      await expect(admin.query(statement), statement).rejects.toThrow(/audit trail is append-only/);
    }
  });

  it('serves the converted data: the chain verifies across the month boundary, and the job moves the default partition rows', async () => {
    app = await startTestApp({ ASSAY_JOBS_PARTITIONS_INTERVAL_MS: '100' }, { databaseUrl });
    const verified = ok(await app.gql(VERIFY, {}, ADMIN_KEY)).verifyAuditLog;
    expect(verified).toMatchObject({ ok: true, reason: null });
    expect(verified.checked).toBeGreaterThan(auditTimes.length);
    // Six months on, the partition job makes that month's partition and moves the waiting event into it.
    app.clock.advance(future.getTime() - now.getTime());
    const month = partitionName('audit_events', future);
    await eventually(async () => ((await auditEventHomes(admin)).get('aud_pre_5') === month ? true : undefined), 'the move');
    expect(await checksum('audit_events')).toMatchObject({
      n: Number((await admin.query('SELECT seq FROM audit_chain_head')).rows[0].seq),
    });
    const ahead = [0, 1, 2, 3].map((i) => partitionName('usage_reports', monthStart(future, i)));
    await eventually(async () => {
      const made = await partitionsOf(admin, 'usage_reports');
      return ahead.every((p) => made.includes(p)) ? true : undefined;
    }, 'the months ahead');
    // The moved event is still readable and the chain still verifies.
    const page = ok(await app.gql(AUDIT_PAGE, { f: { from: monthStart(future).toISOString() } }, ADMIN_KEY)).auditEvents;
    expect(page.edges.map((e: { node: { id: string } }) => e.node.id)).toContain('aud_pre_5');
    expect(ok(await app.gql(VERIFY, {}, ADMIN_KEY)).verifyAuditLog).toMatchObject({ ok: true });
  });
});

describe('the audit trail on partitions', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('chains events across a month boundary, and every partition refuses UPDATE, DELETE and TRUNCATE', async () => {
    const now = app.clock.now();
    app.clock.advance(monthStart(now, 1).getTime() - 30_000 - now.getTime());
    const before = await signUp(app, 'VENDOR');
    app.clock.advance(60_000);
    const after = await signUp(app, 'BUYER');
    const homes = new Set(
      (await app.database.pool.query(`SELECT DISTINCT tableoid::regclass::text AS home FROM audit_events`)).rows.map((r) => r.home),
    );
    expect(homes).toContain(partitionName('audit_events', now));
    expect(homes).toContain(partitionName('audit_events', monthStart(now, 1)));
    expect(ok(await app.gql(VERIFY, {}, ADMIN_KEY)).verifyAuditLog).toMatchObject({ ok: true, reason: null });
    // Each side sees its own sign-up, whichever month it is in.
    for (const org of [before, after]) {
      const actions = ok(await app.gql(AUDIT_PAGE, {}, org.key)).auditEvents.edges.map((e: { node: { action: string } }) => e.node.action);
      expect(actions).toContain('organization.created');
    }
    // Row triggers fire only for rows: UPDATE and DELETE are tried on the partitions holding some, TRUNCATE on all.
    for (const part of ['audit_events', ...(await partitionsOf(app.database.pool, 'audit_events'))]) {
      const statements = [`TRUNCATE ${part}`];
      if (part === 'audit_events' || homes.has(part)) statements.push(`UPDATE ${part} SET action = 'x'`, `DELETE FROM ${part}`);
      for (const statement of statements) {
        await expect(app.database.pool.query(statement), statement).rejects.toThrow(/audit trail is append-only/);
      }
    }
    expect(ok(await app.gql(VERIFY, {}, ADMIN_KEY)).verifyAuditLog).toMatchObject({ ok: true });
  });

  it('reads only the months a time-bounded query covers', async () => {
    const month = monthStart(app.clock.now());
    const plan = async (sql: string) =>
      (await app.database.pool.query(`EXPLAIN ${sql}`, [month, new Date(month.getTime() + 5 * DAY)])).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    const audit = await plan(`SELECT * FROM audit_events WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY seq DESC LIMIT 51`);
    const usage = await plan(
      `SELECT u.license_id, count(*) FROM usage_events u JOIN licenses l ON l.id = u.license_id WHERE u.served_at >= $1 AND u.served_at < $2 GROUP BY 1`,
    );
    for (const [table, text] of [
      ['audit_events', audit],
      ['usage_events', usage],
    ] as const) {
      expect(text).toContain(partitionName(table, month));
      expect(text).not.toContain(partitionName(table, monthStart(month, 1)));
      expect(text).not.toContain(`${table}_default`);
    }
  });
});

describe('usage retention', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      ASSAY_JOBS_PARTITIONS_INTERVAL_MS: '100',
      ASSAY_USAGE_RETENTION_DAYS: '62',
      ASSAY_METERING_INTERVAL_MS: '0',
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('drops a month of usage events past the retention once billed, keeps an unbilled one, and never drops audit events', async () => {
    const present = app.clock.now();
    // Eight months ago: the partition job (following the clock) makes that month's partitions and the next three.
    const billedMonth = monthStart(present, -8);
    const unbilledMonth = monthStart(present, -7);
    app.clock.advance(billedMonth.getTime() + 2 * DAY - present.getTime());
    const parts = async () => partitionsOf(app.database.pool, 'usage_events');
    await eventually(
      async () => ((await parts()).includes(partitionName('usage_events', unbilledMonth)) ? true : undefined),
      'old partitions',
    );
    const [vendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
    const { datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/part.bin', Buffer.alloc(100, 1), 1)] });
    const { licenseId } = await usageLicense(app, vendor, buyer, datasetId, { usageUnit: 'GIGABYTE' });
    const usage = (month: Date) => ({
      licenseId,
      organizationId: buyer.id,
      versionId,
      servedAt: new Date(month.getTime() + 3 * DAY),
      bytes: 2e9,
      rows: 1,
    });
    await insertUsage(app, [usage(billedMonth), usage(unbilledMonth)]);
    // The first month's usage is rolled up and accepted by the (local) meter; the second's never is.
    app.clock.advance(2 * DAY);
    await meteringWorker(app).flush();
    const status = await app.database.pool.query(`SELECT status FROM usage_reports WHERE license_id = $1`, [licenseId]);
    expect(status.rows).toEqual([{ status: 'SENT' }]);

    app.clock.advance(present.getTime() - app.clock.now().getTime());
    await eventually(async () => ((await parts()).includes(partitionName('usage_events', billedMonth)) ? undefined : true), 'the drop');
    expect(await parts()).toContain(partitionName('usage_events', unbilledMonth));
    const served = ok(
      await app.gql(USAGE, { id: licenseId, from: billedMonth.toISOString(), to: monthStart(unbilledMonth, 1).toISOString() }, buyer.key),
    ).usage.filter((p: { requests: number }) => p.requests > 0);
    expect(served).toEqual([{ start: new Date(unbilledMonth.getTime() + 3 * DAY).toISOString(), requests: 1 }]);
    // What was billed stays on record, and the audit trail keeps its old months.
    expect(
      (await app.database.pool.query(`SELECT count(*)::int AS n FROM usage_reports WHERE license_id = $1`, [licenseId])).rows[0].n,
    ).toBe(1);
    expect(await partitionsOf(app.database.pool, 'audit_events')).toContain(partitionName('audit_events', billedMonth));
    expect(ok(await app.gql(VERIFY, {}, ADMIN_KEY)).verifyAuditLog).toMatchObject({ ok: true });
  });
});

describe('ASSAY_USAGE_RETENTION_DAYS', () => {
  it('keeps raw usage by default and refuses a retention shorter than the bills need', () => {
    expect(loadConfig({}).jobs.usageRetentionDays).toBeNull();
    expect(loadConfig({ ASSAY_USAGE_RETENTION_DAYS: '400' }).jobs.usageRetentionDays).toBe(400);
    expect(() => loadConfig({ ASSAY_USAGE_RETENTION_DAYS: '30' })).toThrow(/ASSAY_USAGE_RETENTION_DAYS/);
    expect(() => loadConfig({ ASSAY_USAGE_RETENTION_DAYS: 'soon' })).toThrow(/ASSAY_USAGE_RETENTION_DAYS/);
    expect(() => loadConfig({ ASSAY_USAGE_RETENTION_DAYS: '90', ASSAY_METERING_LOOKBACK_DAYS: '120' })).toThrow(
      /ASSAY_USAGE_RETENTION_DAYS must be more than ASSAY_METERING_LOOKBACK_DAYS/,
    );
  });
});
