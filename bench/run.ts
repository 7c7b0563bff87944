/**
 * `npm run bench`: seeds a large catalog into its own throwaway embedded PostgreSQL (seed.ts), starts the real
 * server as production runs it (`node <npm start's flags> dist/main.js`, built first when stale) and a bare node:http + pg baseline (baseline-server.ts) as separate processes (for `{ __typename }` also the stack's floor, Fastify + Apollo Server with nothing else: floor-server.ts), checks
 * they answer with the same JSON, drives both over HTTP with autocannon at fixed concurrency, measures token
 * checks and usage ingestion in process (delivery.ts), the store-level lineage comparison (lineage.ts) and, when
 * present, metering (metering.ts); prints one table and writes bench/results/latest.json.
 *
 * Every compared figure comes from three interleaved rounds (scenario, baseline, baseline, scenario, ...): each round
 * gives a ratio, and the median with the lowest and highest is reported and checked against the issue's targets
 * (MET / MISSED). CPU per request (the server's or this process's, and PostgreSQL's) is reported for every scenario.
 * The Assay server's RSS is read idle after start-up, sampled under load, and across a soak of `--soak-requests=<n>`
 * (100,000 by default) mixed requests (group `memory`).
 *
 * Options: `--duration=<s>` per HTTP scenario (default 10, split over the rounds), `--connections=<n>` (default 16),
 * `--only=<group,...>` (catalog, framework, lineage, mixes, delivery, memory, metering, instances, partitions), `--profile` (runs the Assay server under
 * `node --cpu-prof` and prints its top self-time functions), `--server-flags="<node flags>"` (instead of npm start's).
 * `partitions` (partitions.ts) seeds `--partition-events=<n>`
 * usage events and as many audit events (10 million by default) and times the usage report and `auditEvents` pages on
 * the month-partitioned tables beside unpartitioned copies, `--partition-rounds=<n>` rounds (default 7); alone
 * (`--only=partitions`) it skips the catalog seed. An interrupted run (Ctrl-C, SIGTERM) still removes its cluster.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { systemClock } from '../src/clock.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { blobKey, LocalFileStorage } from '../src/delivery/storage.js';
import { signAccessToken } from '../src/tokens/access-tokens.js';
import { SigningKeyRing } from '../src/tokens/signing-keys.js';
import { tokenChecks, usageIngestion, type OpsResult } from './delivery.js';
import { lineageStoreBench } from './lineage.js';
import { mixBench } from './mixes.js';
import { atExit, cleanUp, runDir } from './cleanup.js';
import { startChild, type ChildServer } from './processes.js';
import { partitionBench } from './partitions.js';
import { printTopFunctions } from './profile-top.js';
import { analyzeCatalog, BUYER_ORG, BUYER_USER, deepChainTip, seedCatalog, versionId, datasetId, type SeedCounts } from './seed.js';
import { count, measurePostgresOf, median, postgresCpuMs, postgresCpuSince, processCpuMs, quantile, rssMb, table } from './support.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k!, v.length ? v.join('=') : 'true'] as const;
  }),
);
const DURATION = Number(args.get('duration') ?? 10);
/** Every compared figure comes from this many interleaved rounds (the target and its baseline in turn). */
const ROUNDS = 3;
const WARMUP = Math.min(3, Math.max(1, Math.round(DURATION / 4)));
const CONNECTIONS = Number(args.get('connections') ?? 16);
const PROFILE = args.has('profile');
const ONLY = args.get('only')?.split(',');
const runs = (group: string) => !ONLY || ONLY.includes(group);
const PARTITION_EVENTS = Number(args.get('partition-events') ?? 10_000_000);
const PARTITION_ROUNDS = Number(args.get('partition-rounds') ?? 7);
const BIG_FILE_BYTES = 1024 ** 3;
const SMALL_FILE_BYTES = 16 * 1024;
const COLD_TOKENS = 30_000;
/** Requests in the memory soak, split over the mix below (`--soak-requests=<n>`). */
const SOAK_REQUESTS = Number(args.get('soak-requests') ?? 100_000);
/** The idle-memory target and how much the soak's last quarter may sit above its first and still count as flat. */
const IDLE_RSS_TARGET_MB = 150;
const FLAT_MARGIN = 0.1;
const USAGE_EVENTS = 30_000;
/** The dataset whose latest version carries the download files: a published REAL listing. */
const DOWNLOAD_DATASET = 60_001;
const RESULTS_DIR = path.join(import.meta.dirname, 'results');
/**
 * Node flags of the Assay server: those `npm start` passes (package.json), so the bench runs what users run;
 * `--server-flags="<flags>"` replaces them, to measure what a flag buys (`--server-flags=` for none).
 */
const SERVER_NODE_FLAGS = (
  args.get('server-flags') ??
  (JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts
    .start
)
  .split(/\s+/)
  .filter((arg) => arg.startsWith('--'));

/** The production entry point, compiled from src/ when dist/ is missing or stale (as `npm start` does). */
const SERVER_ENTRY = path.join(import.meta.dirname, '..', 'dist', 'main.js');

export interface ResultRow {
  scenario: string;
  group: string;
  value: number;
  unit: string;
  p50Ms?: number;
  p99Ms?: number;
  errors?: number;
  sqlPerRequest?: string;
  /** CPU time per request of the server process and of PostgreSQL (all its processes), from /proc. */
  serverCpuMs?: number;
  dbCpuMs?: number;
  /** The row (by scenario name) this one is compared with. */
  baseline?: string;
  ratio?: number;
  p99Ratio?: number;
  /** Lowest and highest per-round ratio, when both rows were measured in the same interleaved rounds. */
  ratioRange?: [number, number];
  p99RatioRange?: [number, number];
  /** Each round's figures, in order. */
  rounds?: Round[];
  note?: string;
}

/** One round of a scenario: throughput and, where measured, p99 and CPU per request. */
interface Round {
  value: number;
  p99Ms?: number;
  serverCpuMs?: number;
  dbCpuMs?: number;
}

const rows: ResultRow[] = [];
const log = (line: string) => process.stdout.write(`${line}\n`);

// --- HTTP ----------------------------------------------------------------

interface HttpRequest {
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

const gqlRequest = (query: string, variables: Record<string, unknown> = {}): HttpRequest => ({
  path: '/graphql',
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query, variables }),
});

async function send(base: string, req: HttpRequest): Promise<{ status: number; json: unknown; sql: number }> {
  const res = await fetch(base + req.path, { method: req.method ?? 'GET', headers: req.headers, body: req.body });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (a file)
  }
  return { status: res.status, json, sql: Number(res.headers.get('x-sql-statements') ?? NaN) };
}

/** SQL statements per request from the x-sql-statements header of a few plain requests: "n" or "min–max". */
async function sqlPerRequest(base: string, req: HttpRequest): Promise<string> {
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) seen.push((await send(base, req)).sql);
  const lo = Math.min(...seen);
  const hi = Math.max(...seen);
  return Number.isNaN(lo) ? '–' : lo === hi ? String(lo) : `${lo}–${hi}`;
}

interface LoadTarget {
  scenario: string;
  group: string;
  base: string;
  req: HttpRequest;
  baseline?: string;
  /** The server process answering, whose CPU time per request is reported. */
  pid?: number;
  /** Requests come from this many client addresses in turn (`X-Forwarded-For`), rather than from one. */
  clients?: number;
}

let sent = 0;
/** `request` as if from the `n`th client address (10.x.y.z), for a server that trusts `X-Forwarded-For`. */
const withClientAddress = (request: { headers?: Record<string, string> }, n: number) => ({
  ...request,
  headers: { ...request.headers, 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` },
});

/** One autocannon run; every response's latency goes into `latencies`. */
async function cannon(
  t: LoadTarget,
  seconds: number,
  latencies?: number[],
): Promise<{ requests: number; errors: number; seconds: number }> {
  const instance = autocannon({
    url: t.base + t.req.path,
    connections: CONNECTIONS,
    method: t.req.method ?? 'GET',
    headers: t.req.headers ?? {},
    body: t.req.body,
    timeout: 30,
    duration: seconds,
    ...(t.clients ? { requests: [{ setupRequest: (request) => withClientAddress(request, (sent++ % t.clients!) + 1) }] } : {}),
  });
  let non2xx = 0;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies?.push(ms);
    if (status < 200 || status > 299) non2xx++;
  });
  const r = await instance;
  return { requests: r.latency.totalCount ?? r.requests.total, errors: r.errors + r.timeouts + non2xx, seconds: r.duration };
}

/**
 * Loads each target at fixed concurrency: a warm-up, then ROUNDS rounds that alternate between the targets (in
 * reverse order every other round), so noise from a shared machine falls on all of them alike and each round gives
 * a ratio to the baseline. Percentiles of the row are over every response of every round.
 */
async function load(targets: LoadTarget[]): Promise<void> {
  for (const t of targets) await cannon(t, WARMUP);
  const acc = new Map(targets.map((t) => [t.scenario, { latencies: [] as number[], errors: 0, seconds: 0, rounds: [] as Round[] }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const a = acc.get(t.scenario)!;
      const latencies: number[] = [];
      const [server0, db0] = [t.pid ? processCpuMs(t.pid) : undefined, postgresCpuMs()];
      const r = await cannon(t, DURATION / ROUNDS, latencies);
      const [server1, db1] = [t.pid ? processCpuMs(t.pid) : undefined, postgresCpuMs()];
      const n = Math.max(1, latencies.length);
      a.rounds.push({
        value: latencies.length / r.seconds,
        p99Ms: quantile(latencies, 0.99),
        ...(server0 !== undefined && server1 !== undefined ? { serverCpuMs: (server1 - server0) / n } : {}),
        ...(db0 && db1 ? { dbCpuMs: postgresCpuSince(db0, db1) / n } : {}),
      });
      a.latencies.push(...latencies);
      a.errors += r.errors;
      a.seconds += r.seconds;
    }
  }
  for (const t of targets) {
    const a = acc.get(t.scenario)!;
    const row: ResultRow = {
      scenario: t.scenario,
      group: t.group,
      value: a.latencies.length / a.seconds,
      unit: 'req/s',
      p50Ms: quantile(a.latencies, 0.5),
      p99Ms: quantile(a.latencies, 0.99),
      errors: a.errors,
      sqlPerRequest: await sqlPerRequest(t.base, t.req),
      ...cpuOfRounds(a.rounds),
      rounds: a.rounds,
      baseline: t.baseline,
    };
    rows.push(row);
    log(
      `  ${t.scenario}: ${row.value.toFixed(0)} req/s (rounds ${a.rounds.map((x) => x.value.toFixed(0)).join(', ')}), p50 ${row.p50Ms!.toFixed(1)} ms, p99 ${row.p99Ms!.toFixed(1)} ms, errors ${row.errors}, SQL/request ${row.sqlPerRequest}, CPU/request server ${row.serverCpuMs?.toFixed(2) ?? '–'} ms, PostgreSQL ${row.dbCpuMs?.toFixed(2) ?? '–'} ms`,
    );
  }
}

/** CPU per request of a row: the median over its rounds (the steady figure), where measured. */
function cpuOfRounds(rounds: Round[]): Pick<ResultRow, 'serverCpuMs' | 'dbCpuMs'> {
  const of = (pick: (r: Round) => number | undefined) => {
    const xs = rounds.map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return xs.length === rounds.length && xs.length ? median(xs) : undefined;
  };
  const server = of((r) => r.serverCpuMs);
  const db = of((r) => r.dbCpuMs);
  return { ...(server !== undefined ? { serverCpuMs: server } : {}), ...(db !== undefined ? { dbCpuMs: db } : {}) };
}

/** The first place two JSON values differ, for a readable mismatch message. */
function firstDifference(a: unknown, b: unknown, at = '$'): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

/** The Assay answer must be a success with exactly the data the baseline returns. */
async function assertSameAnswer(label: string, assay: string, a: HttpRequest, bare: string, b: HttpRequest): Promise<void> {
  const [x, y] = await Promise.all([send(assay, a), send(bare, b)]);
  const errors = (x.json as { errors?: unknown }).errors;
  if (x.status !== 200 || errors) throw new Error(`${label}: Assay answered ${x.status} ${JSON.stringify(errors ?? x.json).slice(0, 500)}`);
  const diff = firstDifference((x.json as { data: unknown }).data, (y.json as { data: unknown }).data);
  if (diff) throw new Error(`${label}: Assay and the baseline disagree at ${diff}`);
}

/** Whole downloads one after another over one connection, alternating servers: MB/s and time per download. */
async function bigDownloads(
  targets: { scenario: string; base: string; req: HttpRequest; sample: HttpRequest; baseline?: string }[],
  times: number,
): Promise<void> {
  const fetchAll = (url: string, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      http
        .get(url, { headers, agent: false }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: ${res.statusCode}`))));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  const results = new Map(targets.map((t) => [t.scenario, { ms: [] as number[], bytes: 0, errors: 0 }]));
  for (let i = 0; i < times + 1; i++) {
    for (const t of targets) {
      const started = performance.now();
      const bytes = await fetchAll(t.base + t.req.path, t.req.headers ?? {}).catch(() => -1);
      const r = results.get(t.scenario)!;
      if (i === 0) continue; // warm-up (page cache)
      if (bytes !== BIG_FILE_BYTES) r.errors++;
      r.ms.push(performance.now() - started);
      r.bytes += Math.max(0, bytes);
    }
  }
  for (const t of targets) {
    const r = results.get(t.scenario)!;
    const seconds = r.ms.reduce((s, x) => s + x, 0) / 1000;
    rows.push({
      scenario: t.scenario,
      group: 'delivery',
      value: r.bytes / 1e6 / seconds,
      unit: 'MB/s',
      p50Ms: quantile(r.ms, 0.5),
      p99Ms: quantile(r.ms, 0.99),
      errors: r.errors,
      sqlPerRequest: await sqlPerRequest(t.base, t.sample),
      baseline: t.baseline,
      note: `${times} whole downloads of 1 GiB, one at a time`,
    });
    log(`  ${t.scenario}: ${(r.bytes / 1e6 / seconds).toFixed(0)} MB/s`);
  }
}

/** A row of in-process operations: one run, or interleaved rounds (then CPU per op and ratios are per round). */
function opsRow(scenario: string, group: string, run: OpsResult | OpsResult[], unit: string, baseline?: string, note?: string): ResultRow {
  const runs = Array.isArray(run) ? run : [run];
  const latencies = runs.flatMap((r) => r.latencies);
  const ops = runs.reduce((sum, r) => sum + r.ops, 0);
  const rounds: Round[] = runs.map((r) => ({
    value: r.ops / r.seconds,
    ...(r.latencies.length ? { p99Ms: quantile(r.latencies, 0.99) } : {}),
    ...(r.cpuMs !== undefined ? { serverCpuMs: r.cpuMs / Math.max(1, r.ops) } : {}),
    ...(r.dbCpuMs !== undefined && Number.isFinite(r.dbCpuMs) ? { dbCpuMs: r.dbCpuMs / Math.max(1, r.ops) } : {}),
  }));
  const row: ResultRow = {
    scenario,
    group,
    value: ops / runs.reduce((sum, r) => sum + r.seconds, 0),
    unit,
    ...(latencies.length ? { p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99) } : {}),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    ...cpuOfRounds(rounds),
    ...(runs.length > 1 ? { rounds } : {}),
    baseline,
    note,
  };
  rows.push(row);
  log(
    `  ${scenario}: ${row.value.toFixed(0)} ${unit}${runs.length > 1 ? ` (rounds ${rounds.map((x) => x.value.toFixed(0)).join(', ')})` : ''}, CPU/op in process ${row.serverCpuMs?.toFixed(3) ?? '–'} ms, PostgreSQL ${row.dbCpuMs?.toFixed(3) ?? '–'} ms`,
  );
  return row;
}

// --- queries -------------------------------------------------------------

const DATASET_FIELDS = `id slug title summary kind modality tags publishedAt
  vendor { id slug name }
  terms { spdxId commercialUse modelTraining derivatives syntheticGeneration redistribution attributionRequired }
  latestVersion { id version rowCount byteSize publishedAt lineage { generationDepth realFraction humanReviewedFraction collapseRisk { level } } }
  offers { id name pricingModel currency amountCents usageUnit unitAmountCents }`;
const CATALOG_QUERY = `query CatalogPage($first: Int!) {
  datasets(first: $first) { edges { cursor node { ${DATASET_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
const SEARCH_QUERY = `query Search($filter: DatasetFilter!, $first: Int!) {
  datasets(filter: $filter, first: $first) { totalCount edges { cursor node { ${DATASET_FIELDS} relevance } } pageInfo { hasNextPage endCursor } } }`;
const SEARCH_FILTER = {
  search: 'clinical speech',
  kinds: ['SYNTHETIC', 'HYBRID'],
  modalities: ['AUDIO'],
  permissions: ['COMMERCIAL_USE'],
  maxGenerationDepth: 10,
};
const LINEAGE_QUERY = `query Ancestors($id: ID!) { datasetVersion(id: $id) { id version dataset { id title }
  lineage { generationDepth ancestors(maxDepth: 50) { depth version { id version dataset { id title } } } } } }`;

// --- setup ---------------------------------------------------------------

interface Fixture {
  database: Database;
  databaseUrl: string;
  dataDir: string;
  secret: string;
  keyRing: SigningKeyRing;
  kid: string;
  downloadVersionId: string;
  files: { small: { path: string; file: string }; big: { path: string; file: string } };
  licenseId: string;
  token: string;
  coldTokens: string[];
  counts: SeedCounts;
  seedSeconds: number;
}

/** 1 MiB of random bytes repeated: the 1 GiB file, as a stream. */
function repeated(block: Buffer, total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(block.length, total - sent);
      sent += n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

/** Stores a file through the storage interface (hash and size checked) and declares it on the version. */
async function storeFile(
  database: Database,
  storage: LocalFileStorage,
  versionId: string,
  filePath: string,
  make: () => Readable,
  position: number,
): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of make()) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const sha256 = hash.digest('hex');
  await storage.put(blobKey(versionId, sha256), make(), { byteSize: BigInt(size), sha256 });
  await database.pool.query(
    `INSERT INTO data_files (id, version_id, path, byte_size, sha256, row_count, position) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [`fil_bench${String(position).padStart(21, '0')}`, versionId, filePath, size, sha256, 1000 * position, position],
  );
  await database.pool.query(
    `INSERT INTO stored_blobs (version_id, sha256, byte_size, storage_key, stored_at) VALUES ($1, $2, $3, $4, now())`,
    [versionId, sha256, size, blobKey(versionId, sha256)],
  );
  return path.join(storageRoot(storage), blobKey(versionId, sha256));
}
const storageRoot = (storage: LocalFileStorage) => (storage as unknown as { root: string }).root;

async function setUp(databaseUrl: string, dataDir: string): Promise<Fixture> {
  const database = openDatabase(databaseUrl, { max: 10, statementTimeoutMs: 600_000 });
  await migrateDatabase(database.pool);
  const seedStarted = performance.now();
  log('seeding the catalog');
  const client = await database.pool.connect();
  let counts: SeedCounts;
  try {
    counts = await seedCatalog(client, log);
    await analyzeCatalog(client);
  } finally {
    client.release();
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`  seeded and analyzed in ${seedSeconds.toFixed(1)} s`);

  // Files to download, stored through the storage interface on a published version.
  const storage = new LocalFileStorage(path.join(dataDir, 'files'));
  const downloadVersionId = versionId(DOWNLOAD_DATASET, 3);
  const block = randomBytes(1024 * 1024);
  const fileStarted = performance.now();
  const small = { path: 'downloads/sample.csv', file: '' };
  small.file = await storeFile(
    database,
    storage,
    downloadVersionId,
    small.path,
    () => Readable.from([block.subarray(0, SMALL_FILE_BYTES)]),
    1,
  );
  const big = { path: 'downloads/full.bin', file: '' };
  big.file = await storeFile(database, storage, downloadVersionId, big.path, () => repeated(block, BIG_FILE_BYTES), 2);
  log(`  stored a ${SMALL_FILE_BYTES / 1024} KiB and a 1 GiB file in ${((performance.now() - fileStarted) / 1000).toFixed(1)} s`);

  // A FREE license held by the buyer, and access tokens under it signed with the server's key.
  const [offer] = (
    await database.pool.query(`SELECT * FROM offers WHERE dataset_id = $1 ORDER BY id LIMIT 1`, [datasetId(DOWNLOAD_DATASET)])
  ).rows as Record<string, any>[];
  const licenseId = `lic_${'bench'.padEnd(26, '0')}`;
  await database.pool.query(
    `INSERT INTO licenses (id, offer_id, dataset_id, vendor_id, licensee_id, purchased_by, idempotency_key, status, billing_mode,
       pricing_model, spdx_id, commercial_use, model_training, derivatives, synthetic_generation, redistribution, attribution_required,
       version_scope, requested_at, decided_at, starts_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'bench', 'ACTIVE', 'LOCAL', 'FREE', $7, $8, $9, $10, $11, $12, $13, 'ALL', now(), now(), now() - interval '1 day')`,
    [
      licenseId,
      offer!.id,
      offer!.dataset_id,
      offer!.vendor_id,
      BUYER_ORG,
      BUYER_USER,
      offer!.spdx_id,
      offer!.commercial_use,
      offer!.model_training,
      offer!.derivatives,
      offer!.synthetic_generation,
      offer!.redistribution,
      offer!.attribution_required,
    ],
  );
  const secret = randomBytes(32).toString('base64url');
  const keyRing = new SigningKeyRing(database.db, secret, systemClock);
  const key = await keyRing.current();
  const now = new Date();
  const expires = new Date(now.getTime() + 6 * 3600_000);
  await database.pool.query(
    `INSERT INTO access_tokens (id, license_id, organization_id, created_by, kid, scopes, version_ids, created_at, expires_at)
     SELECT 'tok_' || lpad(i::text, 26, '0'), $1, $2, $3, $4, '{data:read}', '{*}', $5, $6 FROM generate_series(0, ${COLD_TOKENS}) i`,
    [licenseId, BUYER_ORG, BUYER_USER, key.kid, now, expires],
  );
  const sign = (i: number) =>
    signAccessToken(
      {
        jti: `tok_${String(i).padStart(26, '0')}`,
        sub: BUYER_ORG,
        lic: licenseId,
        ds: offer!.dataset_id as string,
        ver: ['*'],
        scope: 'data:read',
      },
      key,
      now,
      expires,
    );
  const token = await sign(COLD_TOKENS);
  const coldTokens: string[] = [];
  for (let i = 0; i < COLD_TOKENS; i++) coldTokens.push(await sign(i));
  await database.pool.query('VACUUM ANALYZE licenses, access_tokens, data_files, stored_blobs, signing_keys');
  return {
    database,
    databaseUrl,
    dataDir,
    secret,
    keyRing,
    kid: key.kid,
    downloadVersionId,
    files: { small, big },
    licenseId,
    token,
    coldTokens,
    counts,
    seedSeconds,
  };
}

// --- scenarios -----------------------------------------------------------

/** The Assay server's environment in the bench: production mode on the seeded database, rate limiting off unless `extra` says. */
async function assayEnv(fixture: Fixture, dataDir: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    DATABASE_URL: fixture.databaseUrl,
    ASSAY_SECRET: fixture.secret,
    ASSAY_DATA_DIR: dataDir,
    ASSAY_DEMO: '0',
    LOG_LEVEL: 'warn',
    // Measured as it runs in production (graphql-js skips its development checks), statement counts kept.
    NODE_ENV: 'production',
    ASSAY_SQL_STATEMENTS_HEADER: '1',
    ASSAY_RATE_LIMIT_PER_MINUTE: '0',
    // A fixed free port: the banner the bench waits for names the configured port.
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    ...extra,
  };
}

/**
 * What a shared rate-limit store costs per request: the same cheap route on servers with rate limiting off, with the
 * in-memory buckets and with the PostgreSQL store (limits far above the load, so nothing is refused): from one client
 * address, so every request updates the same counter row (the store's worst case), and from 1,000 addresses in turn.
 */
async function rateLimitStoreScenarios(fixture: Fixture, dataDir: string): Promise<void> {
  log('\nrate-limit store');
  const limits = { ASSAY_RATE_LIMIT_PER_MINUTE: '10000000', ASSAY_RATE_LIMIT_BURST: '10000000', ASSAY_TRUST_PROXY: 'true' };
  const servers = await Promise.all(
    [{}, { ...limits, ASSAY_RATE_LIMIT_STORE: 'memory' }, { ...limits, ASSAY_RATE_LIMIT_STORE: 'postgres' }].map(async (extra) =>
      startChild(SERVER_ENTRY, await assayEnv(fixture, dataDir, extra), SERVER_NODE_FLAGS),
    ),
  );
  try {
    const hello = gqlRequest('{ __typename }');
    for (const clients of [1, 1000]) {
      const [off, memory, shared] = servers.map((server, i) => ({
        scenario: `{ __typename }, ${clients === 1 ? 'one client' : '1,000 clients'}, rate limit ${['off', 'in memory', 'in PostgreSQL'][i]}`,
        group: 'instances',
        base: server.url,
        pid: server.process.pid,
        req: hello,
        clients,
      }));
      await load([off!, { ...memory!, baseline: off!.scenario }, { ...shared!, baseline: memory!.scenario }]);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function httpScenarios(f: Fixture, assay: ChildServer, bare: ChildServer): Promise<void> {
  const A = assay.url;
  const B = bare.url;
  const deepTip = versionId(deepChainTip(7), 3);
  const auth = { authorization: `Bearer ${f.token}` };
  const download = (file: { path: string }): HttpRequest => ({ path: `/data/${f.downloadVersionId}/${file.path}`, headers: auth });

  const pair = (group: string, name: string, a: HttpRequest, b: HttpRequest, bareName = 'bare node:http + pg'): LoadTarget[] => [
    { scenario: `${name} (GraphQL)`, group, base: A, pid: assay.process.pid, req: a, baseline: `${name} (${bareName})` },
    { scenario: `${name} (${bareName})`, group, base: B, pid: bare.process.pid, req: b },
  ];
  if (runs('catalog')) {
    log('\ncatalog');
    for (const first of [20, 100]) {
      await assertSameAnswer(`catalog first ${first}`, A, gqlRequest(CATALOG_QUERY, { first }), B, { path: `/catalog?first=${first}` });
      await load(
        pair('catalog', `catalog page, first ${first}`, gqlRequest(CATALOG_QUERY, { first }), { path: `/catalog?first=${first}` }),
      );
    }
    const searchBare = { path: `/search?first=20&filter=${encodeURIComponent(JSON.stringify(SEARCH_FILTER))}` };
    await assertSameAnswer('search', A, gqlRequest(SEARCH_QUERY, { filter: SEARCH_FILTER, first: 20 }), B, searchBare);
    await load(
      pair('catalog', 'search with filters, first 20', gqlRequest(SEARCH_QUERY, { filter: SEARCH_FILTER, first: 20 }), searchBare),
    );
  }
  if (runs('framework')) {
    log('\nframework overhead');
    const hello = gqlRequest('{ __typename }');
    // The stack's own floor beside Assay and the bare server, under the same flags and NODE_ENV.
    const floor = await startChild(path.join(import.meta.dirname, 'floor-server.ts'), { NODE_ENV: 'production' }, SERVER_NODE_FLAGS);
    try {
      await assertSameAnswer('__typename', A, hello, B, { ...hello, path: '/hello' });
      await assertSameAnswer('__typename (stack floor)', floor.url, hello, B, { ...hello, path: '/hello' });
      await load([
        {
          scenario: '{ __typename } (GraphQL)',
          group: 'framework',
          base: A,
          pid: assay.process.pid,
          req: hello,
          baseline: 'hello world (bare node:http)',
        },
        { scenario: 'hello world (bare node:http)', group: 'framework', base: B, pid: bare.process.pid, req: { ...hello, path: '/hello' } },
        {
          scenario: '{ __typename } (Fastify + Apollo Server, nothing else)',
          group: 'framework',
          base: floor.url,
          pid: floor.process.pid,
          req: hello,
          baseline: 'hello world (bare node:http)',
        },
      ]);
    } finally {
      await floor.stop();
    }
  }
  if (runs('lineage')) {
    log('\nlineage over HTTP');
    const q = gqlRequest(LINEAGE_QUERY, { id: deepTip });
    await assertSameAnswer('lineage walk', A, q, B, { path: `/lineage/walk?id=${deepTip}` });
    await assertSameAnswer('lineage closure', A, q, B, { path: `/lineage/closure?id=${deepTip}` });
    await load([
      {
        scenario: 'ancestors 50 deep (GraphQL, closure table)',
        group: 'lineage',
        base: A,
        pid: assay.process.pid,
        req: q,
        baseline: 'ancestors 50 deep (bare, walking parents)',
      },
      {
        scenario: 'ancestors 50 deep (bare, walking parents)',
        group: 'lineage',
        base: B,
        pid: bare.process.pid,
        req: { path: `/lineage/walk?id=${deepTip}` },
      },
      {
        scenario: 'ancestors 50 deep (bare, closure table)',
        group: 'lineage',
        base: B,
        pid: bare.process.pid,
        req: { path: `/lineage/closure?id=${deepTip}` },
      },
    ]);
  }
  if (runs('delivery')) {
    log('\ndownloads');
    const [x, y] = await Promise.all([send(A, download(f.files.small)), send(B, { path: '/file/small' })]);
    if (x.status !== 200 || x.json !== y.json)
      throw new Error(`download: Assay answered ${x.status}, or different bytes than the baseline`);
    const kib = `${SMALL_FILE_BYTES / 1024} KiB`;
    await load([
      {
        scenario: `download ${kib} file (/data)`,
        group: 'delivery',
        base: A,
        pid: assay.process.pid,
        req: download(f.files.small),
        baseline: `download ${kib} file (bare node:http)`,
      },
      {
        scenario: `download ${kib} file (bare node:http)`,
        group: 'delivery',
        base: B,
        pid: bare.process.pid,
        req: { path: '/file/small' },
      },
    ]);
    await bigDownloads(
      [
        {
          scenario: 'download 1 GiB file (/data)',
          base: A,
          req: download(f.files.big),
          // SQL per request from the first byte only.
          sample: { ...download(f.files.big), headers: { ...auth, range: 'bytes=0-0' } },
          baseline: 'download 1 GiB file (bare node:http)',
        },
        { scenario: 'download 1 GiB file (bare node:http)', base: B, req: { path: '/file/big' }, sample: { path: '/file/small' } },
      ],
      3,
    );
  }
  if (runs('memory')) {
    log('\nmemory soak');
    await soak(
      A,
      [
        { name: '{ __typename }', req: gqlRequest('{ __typename }'), weight: 10 },
        { name: `download ${SMALL_FILE_BYTES / 1024} KiB`, req: download(f.files.small), weight: 7 },
        { name: 'catalog page, first 20', req: gqlRequest(CATALOG_QUERY, { first: 20 }), weight: 2 },
        { name: 'search with filters', req: gqlRequest(SEARCH_QUERY, { filter: SEARCH_FILTER, first: 20 }), weight: 1 },
      ],
      assay.process.pid!,
    );
  }
}

async function inProcessScenarios(f: Fixture, adminUrl: (db: string) => string): Promise<void> {
  if (runs('lineage')) {
    log('\nlineage, store level');
    const targets = Array.from({ length: 20 }, (_, i) => versionId(deepChainTip(i * 20), 3));
    const { closure, walk } = await lineageStoreBench(f.database, targets, log);
    const stat = (t: { times: number[]; statements: number }) => ({
      ops: t.times.length,
      seconds: t.times.reduce((s, x) => s + x, 0) / 1000,
      latencies: t.times,
      errors: 0,
    });
    opsRow(
      'ancestors 50 deep, store level (closure table)',
      'lineage',
      stat(closure),
      'queries/s',
      'ancestors 50 deep, store level (walking parents)',
      'sequential, in process',
    ).sqlPerRequest = String(closure.statements);
    opsRow(
      'ancestors 50 deep, store level (walking parents)',
      'lineage',
      stat(walk),
      'queries/s',
      undefined,
      'sequential, in process',
    ).sqlPerRequest = String(walk.statements);
  }
  if (runs('mixes')) {
    log('\ntraining mixes, in process');
    // Tips of 50 different deep chains: each version has 49 ancestors (50 generations with itself).
    const components = Array.from({ length: 50 }, (_, i) => versionId(deepChainTip(i * 8), 3));
    const { service, walk } = await mixBench(f.database, { organizationId: BUYER_ORG, userId: BUYER_USER }, components, log);
    const stat = (t: { times: number[] }) => ({
      ops: t.times.length,
      seconds: t.times.reduce((s, x) => s + x, 0) / 1000,
      latencies: t.times,
      errors: 0,
    });
    opsRow(
      'mix of 50 components 50 deep (frozen summaries)',
      'mixes',
      stat(service),
      'mixes/s',
      'mix of 50 components 50 deep (walking ancestry)',
      'sequential, in process',
    ).sqlPerRequest = String(service.statements);
    opsRow(
      'mix of 50 components 50 deep (walking ancestry)',
      'mixes',
      stat(walk),
      'mixes/s',
      undefined,
      'sequential, in process',
    ).sqlPerRequest = String(walk.statements);
  }
  if (runs('delivery')) {
    log('\ntoken checks and usage ingestion, in process');
    // Seconds per round; a cold round also ends once its share of the distinct tokens is used up.
    const seconds = Math.max(1.5, Math.min(4, DURATION / ROUNDS));
    const t = await tokenChecks(
      {
        database: f.database,
        keyRing: f.keyRing,
        tokens: [...f.coldTokens],
        kid: f.kid,
        versionId: f.downloadVersionId,
        filePath: f.files.small.path,
      },
      seconds,
      ROUNDS,
    );
    opsRow(
      'token checks, cold (DownloadGate, new tokens)',
      'delivery',
      t.cold,
      'checks/s',
      'jose jwtVerify loop',
      `16 in flight; ${count(t.cold.reduce((sum, r) => sum + r.ops, 0))} distinct tokens`,
    );
    opsRow('token checks, cached (DownloadGate, same token)', 'delivery', t.cached, 'checks/s', 'jose jwtVerify loop', '16 in flight');
    opsRow('jose jwtVerify loop', 'delivery', t.jose, 'checks/s', undefined, '16 in flight, EdDSA');
    const u = await usageIngestion(
      {
        database: f.database,
        licenseId: f.licenseId,
        tokenId: `tok_${'0'.repeat(26)}`,
        organizationId: BUYER_ORG,
        versionId: f.downloadVersionId,
        filePath: f.files.small.path,
      },
      USAGE_EVENTS,
    );
    opsRow(
      'usage events written (UsageRecorder, with audit records)',
      'delivery',
      u.recorder,
      'events/s',
      'usage events, plain INSERT batches of 500',
      `${count(USAGE_EVENTS)} events`,
    );
    opsRow('usage events, plain INSERT batches of 500', 'delivery', u.plain, 'events/s', undefined, 'no audit records');
  }
  if (runs('metering')) {
    const file = path.join(import.meta.dirname, 'metering.ts');
    if (!fs.existsSync(file)) {
      log('\nmetering: bench/metering.ts not found, skipped');
      return;
    }
    log('\nmetering');
    const admin = new pg.Client({ connectionString: adminUrl('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_metering').finally(() => admin.end());
    const meteringUrl = adminUrl('bench_metering');
    const m = openDatabase(meteringUrl, { max: 2 });
    await migrateDatabase(m.pool).finally(() => m.close());
    const mod = (await import(pathToFileURL(file).href)) as {
      meteringBench(ctx: { databaseUrl: string }): Promise<{ scenario: string; value: number; unit: string; baseline?: unknown }[]>;
    };
    for (const r of await mod.meteringBench({ databaseUrl: meteringUrl })) {
      const baselineValue = typeof r.baseline === 'number' ? r.baseline : undefined;
      rows.push({
        scenario: r.scenario,
        group: 'metering',
        value: r.value,
        unit: r.unit,
        ...(baselineValue ? { ratio: r.value / baselineValue, note: `baseline ${baselineValue} ${r.unit}` } : {}),
      });
      log(`  ${r.scenario}: ${r.value} ${r.unit}`);
    }
  }
}

/** The statements that took the most database time during the HTTP scenarios (profile mode). */
async function printTopStatements(database: Database): Promise<void> {
  const { rows: top } = await database.pool.query(
    `SELECT calls, round(total_exec_time::numeric, 0) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms,
       round(total_plan_time::numeric, 0) AS plan_ms, rows, regexp_replace(query, '\\s+', ' ', 'g') AS query
     FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 15`,
  );
  log('\nPostgreSQL time by statement (pg_stat_statements):');
  log(
    table(
      ['calls', 'total ms', 'mean ms', 'plan ms', 'rows', 'statement'],
      (top as Record<string, string>[]).map((r) => [r.calls!, r.total_ms!, r.mean_ms!, r.plan_ms!, r.rows!, r.query!.slice(0, 140)]),
    ),
  );
}

// --- report --------------------------------------------------------------

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function withRatios(): void {
  const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
  for (const r of rows) {
    const b = r.baseline ? rows.find((x) => x.scenario === r.baseline) : undefined;
    if (!b) continue;
    if (r.rounds && b.rounds && r.rounds.length === b.rounds.length) {
      // Round i of the scenario ran next to round i of its baseline: one ratio per round, the median reported.
      const ratios = r.rounds.map((x, i) => x.value / b.rounds![i]!.value);
      r.ratio = median(ratios);
      r.ratioRange = range(ratios);
      const p99s = r.rounds.map((x, i) => (x.p99Ms ?? NaN) / (b.rounds![i]!.p99Ms ?? NaN));
      if (p99s.every(Number.isFinite)) {
        r.p99Ratio = median(p99s);
        r.p99RatioRange = range(p99s);
      }
      continue;
    }
    r.ratio = r.value / b.value;
    if (r.p99Ms !== undefined && b.p99Ms) r.p99Ratio = r.p99Ms / b.p99Ms;
  }
}

const times = (x: number) => `${x < 0.1 ? x.toPrecision(2) : x.toFixed(2)}×`;
/** A ratio with its per-round range: "0.62× (0.58–0.66)". */
const ratioText = (x: number, range?: [number, number]) => `${times(x)}${range ? ` (${range[0].toFixed(2)}–${range[1].toFixed(2)})` : ''}`;

function report(): string {
  return table(
    [
      'scenario',
      'throughput',
      'p50 ms',
      'p99 ms',
      'errors',
      'SQL/req',
      'CPU ms/req server + db',
      'vs baseline (median of rounds, min–max)',
    ],
    rows.map((r) => [
      r.scenario,
      `${fmt(r.value)} ${r.unit}`,
      r.p50Ms === undefined ? '–' : fmt(r.p50Ms),
      r.p99Ms === undefined ? '–' : fmt(r.p99Ms),
      r.errors === undefined ? '–' : String(r.errors),
      r.sqlPerRequest ?? '–',
      r.serverCpuMs === undefined && r.dbCpuMs === undefined
        ? '–'
        : `${r.serverCpuMs?.toFixed(r.serverCpuMs < 0.1 ? 3 : 2) ?? '–'} + ${r.dbCpuMs?.toFixed(r.dbCpuMs < 0.1 ? 3 : 2) ?? '–'}`,
      r.ratio === undefined
        ? ''
        : `${ratioText(r.ratio, r.ratioRange)}${r.p99Ratio !== undefined ? `, p99 ${ratioText(r.p99Ratio, r.p99RatioRange)}` : ''}${r.group === 'metering' && r.note ? ` (${r.note})` : ''}`,
    ]),
  );
}

/** The issue's targets, each checked against this run: ratios are medians of the interleaved rounds. */
function targets(): string[] {
  const out: string[] = [];
  const find = (scenario: string) => rows.find((r) => r.scenario === scenario);
  const mark = (ok: boolean) => (ok ? 'MET   ' : 'MISSED');
  const rounds = `median of ${ROUNDS} rounds, min–max`;
  const atLeast = (scenario: string, what: string, min: number) => {
    const r = find(scenario);
    if (r?.ratio !== undefined)
      out.push(`${mark(r.ratio >= min)} ${what} at least ${min}×: ${ratioText(r.ratio, r.ratioRange)} (${rounds})`);
    return r;
  };
  const page = atLeast('catalog page, first 20 (GraphQL)', "catalog page, first 20: requests/s vs the bare endpoint's", 0.75);
  if (page?.p99Ratio !== undefined)
    out.push(
      `${mark(page.p99Ratio <= 1.5)} catalog page, first 20: p99 at most 1.5× the bare endpoint's: ${ratioText(page.p99Ratio, page.p99RatioRange)} (${rounds})`,
    );
  if (page?.serverCpuMs !== undefined) {
    const cpu = page.rounds!.map((x) => x.serverCpuMs!);
    out.push(
      `${mark(page.serverCpuMs <= 1.6)} server CPU per catalog page (first 20) at most 1.6 ms: ${page.serverCpuMs.toFixed(2)} ms (${Math.min(...cpu).toFixed(2)}–${Math.max(...cpu).toFixed(2)})`,
    );
  }
  const page100 = atLeast('catalog page, first 100 (GraphQL)', "catalog page, first 100: requests/s vs the bare endpoint's", 0.6);
  const search = atLeast('search with filters, first 20 (GraphQL)', "search with filters: requests/s vs the bare endpoint's", 0.7);
  const bareSearch = search?.baseline ? find(search.baseline) : undefined;
  if (search?.rounds && bareSearch?.rounds && search.rounds.every((x, i) => x.dbCpuMs !== undefined && bareSearch.rounds![i]?.dbCpuMs)) {
    const ratios = search.rounds.map((x, i) => x.dbCpuMs! / bareSearch.rounds![i]!.dbCpuMs!);
    const ratio = median(ratios);
    out.push(
      `${mark(ratio <= 1)} PostgreSQL CPU per search at most the bare endpoint's: ${search.dbCpuMs!.toFixed(2)} vs ${bareSearch.dbCpuMs!.toFixed(2)} ms, ${ratioText(ratio, [Math.min(...ratios), Math.max(...ratios)])} (${rounds})`,
    );
  }
  const hello = atLeast('{ __typename } (GraphQL)', '{ __typename }: requests/s vs bare hello world', 0.5);
  const floor = find('{ __typename } (Fastify + Apollo Server, nothing else)');
  if (hello?.ratio !== undefined && floor?.ratio !== undefined)
    out.push(
      `       (for reference, not a target: Fastify + Apollo Server with nothing else reached ${ratioText(floor.ratio, floor.ratioRange)} of bare hello world, server CPU ${floor.serverCpuMs?.toFixed(3) ?? '–'} ms per request against Assay's ${hello.serverCpuMs?.toFixed(3) ?? '–'} ms)`,
    );
  atLeast(
    `download ${SMALL_FILE_BYTES / 1024} KiB file (/data)`,
    `download of the ${SMALL_FILE_BYTES / 1024} KiB file: requests/s vs bare node:http`,
    0.8,
  );
  atLeast('token checks, cold (DownloadGate, new tokens)', 'token checks, cold: checks/s vs the plain jose loop', 0.5);
  if (memory.startMb !== undefined)
    out.push(
      `${mark(memory.startMb <= IDLE_RSS_TARGET_MB)} Assay server RSS idle after start-up at most ${IDLE_RSS_TARGET_MB} MB: ${memory.startMb.toFixed(0)} MB (peak under load ${memory.peakMb?.toFixed(0) ?? '–'} MB, at the end ${memory.endMb?.toFixed(0) ?? '–'} MB)`,
    );
  if (memory.soak) {
    const k = memory.soak;
    out.push(
      `${mark(k.lastMb <= k.firstMb * (1 + FLAT_MARGIN))} RSS flat over a soak of ${count(k.requests)} mixed requests (last quarter's peak at most ${FLAT_MARGIN * 100}% above the first quarter's): ${k.firstMb.toFixed(0)} → ${k.lastMb.toFixed(0)} MB (${k.minMb.toFixed(0)}–${k.maxMb.toFixed(0)} MB over ${k.seconds.toFixed(0)} s)`,
    );
  }
  const failing = rows.filter((r) => (r.errors ?? 0) > 0);
  if (memory.soak && memory.soak.errors > 0) failing.push({ scenario: 'memory soak', errors: memory.soak.errors } as ResultRow);
  out.push(
    `${mark(failing.length === 0)} zero errors${failing.length ? `: ${failing.map((r) => `${r.scenario} (${r.errors})`).join(', ')}` : ''}`,
  );
  if (page && page100) {
    out.push(
      `${mark(page.sqlPerRequest === page100.sqlPerRequest)} SQL statements per catalog page constant: first 20 → ${page.sqlPerRequest}, first 100 → ${page100.sqlPerRequest}`,
    );
  }
  return out;
}

// --- memory --------------------------------------------------------------

interface MemoryFigures {
  /** RSS of the Assay server once start-up has settled, before any load. */
  startMb?: number;
  /** Highest RSS sampled during the HTTP scenarios and the soak. */
  peakMb?: number;
  endMb?: number;
  soak?: { requests: number; errors: number; seconds: number; firstMb: number; lastMb: number; minMb: number; maxMb: number };
}
const memory: MemoryFigures = {};

/** Samples the RSS of `pid` every `everyMs` until the returned function is called. */
function sampleRss(pid: number, everyMs: number, onSample: (mb: number) => void): () => void {
  const timer = setInterval(() => {
    const mb = rssMb(pid);
    if (mb !== undefined) onSample(mb);
  }, everyMs);
  return () => clearInterval(timer);
}

/** RSS once start-up has settled: read every 500 ms until two readings agree within 1 MB (10 s at most). */
async function settledRss(pid: number): Promise<number | undefined> {
  let last = rssMb(pid);
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = rssMb(pid);
    if (now === undefined || last === undefined || Math.abs(now - last) < 1) return now;
    last = now;
  }
  return last;
}

/**
 * SOAK_REQUESTS requests of a mix over CONNECTIONS connections, each connection looping over the mix's requests
 * interleaved by weight, with the server's RSS sampled every 250 ms: flat when the last quarter of the requests ran at
 * no more than FLAT_MARGIN above the first quarter's highest RSS.
 */
async function soak(base: string, mix: { name: string; req: HttpRequest; weight: number }[], pid: number): Promise<void> {
  // Spread each part evenly through the list: entry k of a part of weight w sits at (k + 0.5) / w.
  const requests = mix
    .flatMap((m) => Array.from({ length: m.weight }, (_, k) => ({ at: (k + 0.5) / m.weight, m })))
    .sort((a, b) => a.at - b.at)
    .map(({ m }) => ({ method: m.req.method ?? 'GET', path: m.req.path, headers: m.req.headers ?? {}, body: m.req.body }));
  let done = 0;
  let errors = 0;
  const samples: { done: number; mb: number }[] = [];
  const stop = sampleRss(pid, 250, (mb) => samples.push({ done, mb }));
  const started = performance.now();
  const instance = autocannon({ url: base, connections: CONNECTIONS, timeout: 30, amount: SOAK_REQUESTS, requests });
  instance.on('response', (_client: unknown, status: number) => {
    done++;
    if (status < 200 || status > 299) errors++;
  });
  const result = await Promise.resolve(instance).finally(stop);
  const peak = (xs: { mb: number }[]) => Math.max(...xs.map((x) => x.mb));
  const first = samples.filter((x) => x.done <= done / 4);
  const last = samples.filter((x) => x.done >= (3 * done) / 4);
  memory.soak = {
    requests: done,
    errors: errors + result.errors + result.timeouts,
    seconds: (performance.now() - started) / 1000,
    firstMb: peak(first),
    lastMb: peak(last),
    minMb: Math.min(...samples.map((x) => x.mb)),
    maxMb: peak(samples),
  };
  const k = memory.soak;
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  log(
    `  ${count(k.requests)} requests (${mix.map((m) => `${((100 * m.weight) / total).toFixed(0)}% ${m.name}`).join(', ')}) in ${k.seconds.toFixed(0)} s, errors ${k.errors}; RSS first quarter up to ${k.firstMb.toFixed(0)} MB, last quarter up to ${k.lastMb.toFixed(0)} MB, ${k.minMb.toFixed(0)}–${k.maxMb.toFixed(0)} MB overall`,
  );
}

async function machine(databaseUrl: string): Promise<Record<string, string>> {
  const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const version = ((await c.query('SHOW server_version')).rows[0] as { server_version: string }).server_version;
  await c.end();
  return { cpus: String(os.availableParallelism()), cpu, node: process.version, postgres: version, os: `${os.type()} ${os.release()}` };
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(import.meta.dirname, '..', 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
  const started = performance.now();
  const dir = runDir('assay-bench-');
  const dataDir = runDir('assay-bench-data-');
  // As root, PostgreSQL runs as the postgres user: it must reach its cluster inside `dir` (else the cluster would be
  // relocated out of the directory this run removes) and the server's files.
  fs.chmodSync(dir, 0o711);
  fs.chmodSync(dataDir, 0o755);
  let pgServer = await startEmbeddedPostgres(dir, 'assay_bench', { durable: false });
  // Registered after the directories, so it runs before they are removed (tasks run newest first).
  atExit(() => pgServer.stop());
  if (PROFILE) {
    // The database side of the profile: per-statement times from pg_stat_statements (needs a restart to load).
    const admin = new pg.Client({ connectionString: pgServer.adminUrl('postgres') });
    await admin.connect();
    await admin.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await admin.query(`ALTER SYSTEM SET pg_stat_statements.track_planning = on`).finally(() => admin.end());
    await pgServer.stop();
    pgServer = await startEmbeddedPostgres(dir, 'assay_bench', { durable: false });
  }
  // Other clusters on a shared machine are not ours to count.
  measurePostgresOf(pgServer.location);
  const children: ChildServer[] = [];
  let fixture: Fixture | undefined;
  // Before the cluster stops (tasks run newest first).
  atExit(async () => fixture?.database.close());
  try {
    // As the superuser, as before the app had a role of its own: the seed switches foreign-key triggers off.
    const benchUrl = pgServer.adminUrl('assay_bench');
    const catalog = !ONLY || ONLY.some((g) => g !== 'partitions');
    if (catalog) fixture = await setUp(benchUrl, dataDir);
    const env = machineInfo ?? (machineInfo = await machine(benchUrl));
    log(`machine: ${env.cpus} CPUs, ${env.cpu}, Node ${env.node}, PostgreSQL ${env.postgres}`);
    if (fixture)
      log(
        `catalog: ${count(fixture.counts.datasets)} datasets, ${count(fixture.counts.versions)} versions, ${count(fixture.counts.closureRows)} closure rows, ${count(fixture.counts.offers)} offers, ${fixture.counts.vendors} vendors`,
      );

    if (fixture && ['catalog', 'framework', 'lineage', 'delivery', 'memory'].some(runs)) {
      const profileDir = path.join(RESULTS_DIR, 'profiles');
      if (PROFILE) fs.mkdirSync(profileDir, { recursive: true });
      const [assay, bare] = await Promise.all([
        startChild(SERVER_ENTRY, await assayEnv(fixture, dataDir), [
          ...SERVER_NODE_FLAGS,
          ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        ]),
        startChild(path.join(import.meta.dirname, 'baseline-server.ts'), {
          BENCH_DATABASE_URL: fixture.databaseUrl,
          BENCH_FILES: JSON.stringify({ small: fixture.files.small.file, big: fixture.files.big.file }),
        }),
      ]);
      children.push(assay, bare);
      atExit(() => Promise.all([assay.stop(), bare.stop()]).then(() => undefined));
      log(
        `\nservers: Assay ${assay.url} (pid ${assay.process.pid}, node ${SERVER_NODE_FLAGS.join(' ') || 'without flags'}), baseline ${bare.url} (pid ${bare.process.pid}); ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per scenario`,
      );
      if (PROFILE)
        await fixture.database.pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()');
      memory.startMb = await settledRss(assay.process.pid!);
      memory.peakMb = memory.startMb;
      const stopSampling = sampleRss(assay.process.pid!, 250, (mb) => (memory.peakMb = Math.max(memory.peakMb ?? 0, mb)));
      try {
        await httpScenarios(fixture, assay, bare);
      } finally {
        stopSampling();
      }
      memory.endMb = rssMb(assay.process.pid!);
      log(
        `\nAssay server RSS: ${memory.startMb?.toFixed(0) ?? '–'} MB idle after start-up, ${memory.peakMb?.toFixed(0) ?? '–'} MB peak under load, ${memory.endMb?.toFixed(0) ?? '–'} MB at the end${PROFILE ? ' (profiling adds to it)' : ''}`,
      );
      if (PROFILE) await printTopStatements(fixture.database);
      // The in-process figures run with the servers gone, so they have the CPUs to themselves.
      await Promise.all(children.splice(0).map((c) => c.stop()));
      if (PROFILE) {
        // This run's server wrote its profiles under its pid (an older run's may still lie there); its main thread
        // wrote the largest.
        const main = fs
          .readdirSync(profileDir)
          .filter((n) => n.endsWith('.cpuprofile') && n.includes(`.${assay.process.pid}.`))
          .map((n) => path.join(profileDir, n))
          .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
        if (main) printTopFunctions(main, 30, log);
      }
    }
    if (fixture && runs('instances')) await rateLimitStoreScenarios(fixture, dataDir);
    if (fixture) await inProcessScenarios(fixture, pgServer.adminUrl);
    if (runs('partitions')) {
      log(`\npartitions: ${count(PARTITION_EVENTS)} usage events and ${count(PARTITION_EVENTS)} audit events`);
      const results = await partitionBench({
        adminUrl: pgServer.adminUrl,
        serverEntry: SERVER_ENTRY,
        nodeFlags: SERVER_NODE_FLAGS,
        usageEvents: PARTITION_EVENTS,
        auditEvents: PARTITION_EVENTS,
        rounds: PARTITION_ROUNDS,
        log,
      });
      for (const r of results)
        rows.push({
          scenario: r.scenario,
          group: 'partitions',
          value: 1000 / r.medianMs,
          unit: 'queries/s',
          p50Ms: r.medianMs,
          sqlPerRequest: r.sqlStatements,
          note: `median of ${PARTITION_ROUNDS}, min ${r.minMs.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms, PostgreSQL CPU ${r.dbCpuMs.toFixed(0)} ms; ${count(PARTITION_EVENTS)} events each`,
          ...(r.scenario.endsWith('(partitioned)') ? { baseline: r.scenario.replace('(partitioned)', '(unpartitioned)') } : {}),
        });
    }

    withRatios();
    const seconds = (performance.now() - started) / 1000;
    const text = report();
    log(`\n${text}\n`);
    const goals = targets();
    log(goals.join('\n'));
    log(`\nbench done in ${seconds.toFixed(0)} s${fixture ? ` (seed ${fixture.seedSeconds.toFixed(0)} s)` : ''}`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(
      path.join(RESULTS_DIR, 'latest.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          machine: env,
          settings: { connections: CONNECTIONS, durationSeconds: DURATION, warmupSeconds: WARMUP, only: ONLY ?? null, profile: PROFILE },
          catalog: fixture?.counts ?? null,
          seedSeconds: fixture?.seedSeconds ?? null,
          totalSeconds: seconds,
          targets: goals,
          memory,
          rows,
          table: text,
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await Promise.all(children.map((c) => c.stop().catch(() => undefined)));
    await fixture?.database.close().catch(() => undefined);
    await cleanUp();
  }
}

let machineInfo: Record<string, string> | undefined;

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanUp();
  process.exit(1);
});
