/**
 * Partitions: the usage report and `auditEvents` pages over many usage and audit events, on the month-partitioned
 * tables beside unpartitioned copies of the same rows with the indexes the tables had before partitioning (migration
 * partition_by_month), both through the real server (`dist/main.js`, one process per layout) over GraphQL.
 *
 * One database holds both layouts: the migrated (partitioned) tables in `public`, and plain copies of usage_events and
 * audit_events in schema `flat`; the second server reaches the copies through `search_path=flat,public`, so every other
 * table (licenses, organizations) is shared. Events are seeded with `INSERT ... SELECT generate_series` over the last
 * 365 days. The audit events carry placeholder hashes linked to one another (`prev_hash` is the previous event's
 * `hash`) but not computed from their content: the pages read rows and never check hashes, and computing 10 million
 * chained SHA-256 one after another would take the seed longer than the measurement (verifyAuditLog is not measured
 * here and would report the first seeded event as broken).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { RequestServices } from '../src/context.js';
import { openDatabase } from '../src/db/client.js';
import { freePort } from '../src/db/embedded.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { Stores } from '../src/db/stores/index.js';
import { startChild, type ChildServer } from './processes.js';
import { processCpuMs, quantile, table } from './support.js';
import { runDir } from './cleanup.js';
import { seedDemoCatalog } from './demo.js';

const DAY_MS = 86_400_000;
/** Few enough that the report's answer (a row per license) stays small and the database's scans show. */
const LICENSES = 200;
const ORGANIZATIONS = 500;
const ADMIN_KEY = `ak_bench_${randomBytes(16).toString('hex')}`;
const DATABASE = 'bench_partitions';

export interface PartitionRow {
  scenario: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** CPU time of the benchmark's PostgreSQL processes per query (median). */
  dbCpuMs: number;
  sqlStatements: string;
}

interface Options {
  adminUrl: (database: string) => string;
  serverEntry: string;
  nodeFlags: string[];
  usageEvents: number;
  auditEvents: number;
  rounds: number;
  log: (line: string) => void;
}

const USAGE_REPORT = `query($from: DateTime!, $to: DateTime!) { licenseUsageReport(from: $from, to: $to) {
  license { id } downloads bytes rows distinctAddresses distinctTokens anomalies { kind } } }`;
const AUDIT_PAGE = `query($f: AuditEventFilter) { auditEvents(first: 50, filter: $f) {
  edges { node { id action occurredAt subjectType subjectId } } pageInfo { hasNextPage endCursor } } }`;

/** CPU used so far by the cluster's processes (the postmaster and its children), in ms; undefined off Linux. */
function clusterCpuMs(postmaster: number): number | undefined {
  let total = processCpuMs(postmaster);
  if (total === undefined) return undefined;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === postmaster) total += processCpuMs(Number(entry)) ?? 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

async function timed<T>(label: string, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  log(`  ${label} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Month partitions for the seeded year (a deployment's migration makes them from its oldest row on). */
async function seed(c: pg.ClientBase, o: Options, end: Date): Promise<void> {
  const start = new Date(end.getTime() - 365 * DAY_MS);
  await c.query(`SET statement_timeout = 0`);
  await c.query(`SET maintenance_work_mem = '256MB'`);
  for (const table of [
    ['usage_events', 'served_at'],
    ['audit_events', 'occurred_at'],
  ])
    await c.query(
      `SELECT assay_ensure_month_partition($1, $2, m) FROM generate_series(date_trunc('month', $3::timestamptz, 'UTC'), $4::timestamptz, interval '1 month') m`,
      [table[0], table[1], start, end],
    );
  const license = (
    await c.query<{ id: string; licensee_id: string }>(`SELECT id, licensee_id FROM licenses WHERE status = 'ACTIVE' ORDER BY id LIMIT 1`)
  ).rows[0]!;
  // Copies of one demo license under new ids: real rows for the report's License fields to resolve.
  await c.query(
    `INSERT INTO licenses SELECT (jsonb_populate_record(l, jsonb_build_object('id', 'lic_bench' || lpad(g::text, 22, '0'), 'idempotency_key', 'bench-' || g, 'status', 'EXPIRED'))).*
     FROM licenses l, generate_series(0, ${LICENSES - 1}) g WHERE l.id = $1`,
    [license.id],
  );
  // Loaded without their secondary indexes, which are built afterwards (far faster than row by row, as a bulk load would).
  const { rows: indexes } = await c.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
     WHERE schemaname = 'public' AND tablename IN ('usage_events', 'audit_events') AND indexname NOT LIKE '%_pk'`,
  );
  for (const i of indexes) await c.query(`DROP INDEX ${i.name}`);
  const chunk = 1_000_000;
  await timed(`${o.usageEvents.toLocaleString('en-US')} usage events`, o.log, async () => {
    for (let from = 1; from <= o.usageEvents; from += chunk) {
      await c.query(
        `INSERT INTO usage_events (id, license_id, token_id, organization_id, version_id, file_path, bytes, rows, status, client_address, served_at)
         SELECT 'use_' || lpad(g::text, 26, '0'), 'lic_bench' || lpad((g % ${LICENSES})::text, 22, '0'), 'tok_' || (g % ${LICENSES * 3}),
                $1, 'ver_bench', 'data/part-' || (g % 20) || '.csv', 1000 + g % 100000, CASE WHEN g % 4 = 0 THEN 1000 ELSE 0 END, 200,
                '10.0.' || (g % 200) || '.' || (g % 7), $2::timestamptz + (g::float8 / $3) * interval '365 days'
         FROM generate_series($4::bigint, $5::bigint) g`,
        [license.licensee_id, start, o.usageEvents, from, Math.min(o.usageEvents, from + chunk - 1)],
      );
    }
  });
  const head = (await c.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM audit_chain_head WHERE id = 1`)).rows[0]!;
  const base = Number(head.seq);
  await timed(`${o.auditEvents.toLocaleString('en-US')} audit events`, o.log, async () => {
    for (let from = 1; from <= o.auditEvents; from += chunk) {
      await c.query(
        `INSERT INTO audit_events (seq, id, occurred_at, action, actor_user_id, actor_organization_id, subject_type, subject_id,
           organization_ids, dataset_id, license_id, client_address, request_id, details, prev_hash, hash)
         SELECT $1::bigint + g, 'aud_' || lpad(g::text, 26, '0'), $2::timestamptz + (g::float8 / $3) * interval '365 days',
                (ARRAY['license.purchased', 'token.issued', 'dataset.published', 'download.refused', 'api_key.created'])[1 + g % 5],
                NULL, 'org_' || lpad((g % ${ORGANIZATIONS})::text, 26, '0'), 'License', 'lic_bench' || lpad((g % ${LICENSES})::text, 22, '0'),
                ARRAY['org_' || lpad((g % ${ORGANIZATIONS})::text, 26, '0'), $4], NULL, 'lic_bench' || lpad((g % ${LICENSES})::text, 22, '0'), '10.0.0.1', NULL,
                jsonb_build_object('n', g),
                CASE WHEN g = 1 THEN $5 ELSE encode(sha256(('bench' || (g - 1))::bytea), 'hex') END, encode(sha256(('bench' || g)::bytea), 'hex')
         FROM generate_series($6::bigint, $7::bigint) g`,
        [base, start, o.auditEvents, license.licensee_id, head.hash, from, Math.min(o.auditEvents, from + chunk - 1)],
      );
    }
  });
  await timed('indexes of the partitioned tables', o.log, async () => {
    for (const i of indexes) await c.query(i.def.replace(' ON ONLY ', ' ON '));
  });
  // The chain head follows, so events the servers append continue the sequence.
  await c.query(`UPDATE audit_chain_head SET seq = $1, hash = encode(sha256(('bench' || $2::bigint)::bytea), 'hex') WHERE id = 1`, [
    base + o.auditEvents,
    o.auditEvents,
  ]);
  // Today's layout: plain tables with the primary keys and indexes they had before partitioning.
  await timed('unpartitioned copies', o.log, async () => {
    await c.query(`CREATE SCHEMA flat`);
    for (const [name, key] of [
      ['usage_events', 'id'],
      ['audit_events', 'seq'],
    ] as const) {
      await c.query(`CREATE TABLE flat.${name} (LIKE public.${name} INCLUDING DEFAULTS)`);
      await c.query(`INSERT INTO flat.${name} SELECT * FROM public.${name}`);
      await c.query(`ALTER TABLE flat.${name} ADD PRIMARY KEY (${key})`);
      const { rows } = await c.query<{ indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 AND indexname NOT LIKE '%_pk'`,
        [name],
      );
      for (const r of rows) await c.query(r.indexdef.replace(/ ON ONLY public\./, ' ON flat.').replace(/ ON public\./, ' ON flat.'));
    }
  });
  await timed('VACUUM ANALYZE', o.log, () =>
    c.query(`VACUUM ANALYZE usage_events, audit_events, flat.usage_events, flat.audit_events, licenses`),
  );
}

/**
 * Seeds, starts one server per layout, checks they answer alike, then times each query in interleaved rounds.
 * @example const rows = await partitionBench({ adminUrl, serverEntry, nodeFlags, usageEvents: 1e7, auditEvents: 1e7, rounds: 7, log });
 */
export async function partitionBench(o: Options): Promise<PartitionRow[]> {
  const admin = new pg.Client({ connectionString: o.adminUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  const url = o.adminUrl(DATABASE);
  const storageDir = runDir('assay-bench-partitions-');
  const servers: ChildServer[] = [];
  const database = openDatabase(url, { max: 2, statementTimeoutMs: 3_600_000 });
  try {
    await migrateDatabase(database.pool);
    await seedDemoCatalog(database, storageDir, (parts) =>
      new RequestServices(parts, { stores: new Stores(database.db), origin: 'http://bench', log: () => undefined }).accounts
        .bootstrapAdmin(ADMIN_KEY)
        .then(() => undefined),
    );
    const end = new Date();
    const client = await database.pool.connect();
    let postmaster: number;
    try {
      await seed(client, o, end);
      const backend = (await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
      postmaster = Number(fs.readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    } finally {
      client.release();
    }
    const flatUrl = new URL(url);
    flatUrl.searchParams.set('options', '-c search_path=flat,public');
    const start = async (databaseUrl: string) =>
      startChild(
        o.serverEntry,
        {
          DATABASE_URL: databaseUrl,
          ASSAY_SECRET: randomBytes(32).toString('base64url'),
          ASSAY_DATA_DIR: storageDir,
          ASSAY_DEMO: '0',
          LOG_LEVEL: 'warn',
          NODE_ENV: 'production',
          ASSAY_SQL_STATEMENTS_HEADER: '1',
          ASSAY_RATE_LIMIT_PER_MINUTE: '0',
          // Unpartitioned, a report scans every row several times: allow it to finish.
          ASSAY_STATEMENT_TIMEOUT_MS: '600000',
          ASSAY_REQUEST_TIMEOUT_MS: '600000',
          ASSAY_METERING_INTERVAL_MS: '0',
          PORT: String(await freePort()),
          HOST: '127.0.0.1',
        },
        o.nodeFlags,
      );
    servers.push(await start(url), await start(flatUrl.toString()));
    const [partitioned, flat] = servers as [ChildServer, ChildServer];
    const week = { from: new Date(end.getTime() - 7 * DAY_MS).toISOString(), to: end.toISOString() };
    const queries = [
      { name: 'usage report, last 7 days, all licenses', query: USAGE_REPORT, variables: week },
      { name: 'auditEvents page (50), last 7 days', query: AUDIT_PAGE, variables: { f: week } },
      {
        name: 'auditEvents page (50), one organization, no time bound',
        query: AUDIT_PAGE,
        variables: { f: { organizationId: `org_${'7'.padStart(26, '0')}` } },
      },
    ];
    const send = async (base: string, q: (typeof queries)[number]) => {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ query: q.query, variables: q.variables }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: unknown };
      if (res.status !== 200 || body.errors) throw new Error(`${q.name}: ${res.status} ${JSON.stringify(body.errors).slice(0, 300)}`);
      return { data: body.data, sql: res.headers.get('x-sql-statements') ?? '–' };
    };
    // Same answers from both layouts (and a warm-up of each).
    for (const q of queries) {
      const [a, b] = [await send(partitioned.url, q), await send(flat.url, q)];
      if (JSON.stringify(a.data) !== JSON.stringify(b.data)) throw new Error(`${q.name}: the two layouts answer differently`);
    }
    const targets = queries.flatMap((q) => [
      { q, layout: 'partitioned', base: partitioned.url },
      { q, layout: 'unpartitioned', base: flat.url },
    ]);
    const samples = new Map(targets.map((t) => [`${t.q.name} (${t.layout})`, { ms: [] as number[], db: [] as number[], sql: '' }]));
    for (let round = 0; round < o.rounds; round++) {
      for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
        const s = samples.get(`${t.q.name} (${t.layout})`)!;
        const db0 = clusterCpuMs(postmaster);
        const started = performance.now();
        s.sql = (await send(t.base, t.q)).sql;
        s.ms.push(performance.now() - started);
        const db1 = clusterCpuMs(postmaster);
        if (db0 !== undefined && db1 !== undefined) s.db.push(db1 - db0);
      }
      o.log(`  round ${round + 1}/${o.rounds} done`);
    }
    const rows = [...samples].map(([scenario, s]) => ({
      scenario,
      medianMs: quantile(s.ms, 0.5),
      minMs: Math.min(...s.ms),
      maxMs: Math.max(...s.ms),
      dbCpuMs: s.db.length ? quantile(s.db, 0.5) : NaN,
      sqlStatements: s.sql,
    }));
    o.log(
      table(
        ['query', 'median ms', 'min–max ms', 'PostgreSQL CPU ms', 'SQL'],
        rows.map((r) => [
          r.scenario,
          r.medianMs.toFixed(1),
          `${r.minMs.toFixed(1)}–${r.maxMs.toFixed(1)}`,
          r.dbCpuMs.toFixed(0),
          r.sqlStatements,
        ]),
      ),
    );
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    await database.close().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    fs.rmSync(storageDir, { recursive: true, force: true });
  }
}
