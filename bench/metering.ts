/**
 * Metering: how fast usage events are ingested (through UsageRecorder, batched with their audit records, into the
 * database) beside one transaction per event, and how many Stripe calls 1,000 usage events cost once rolled up into
 * hourly windows (beside one meter event per usage event), against an in-process fake of the meter events endpoint.
 * Self-contained: migrates and seeds the demo catalog into `databaseUrl` (an empty database) and uses its USAGE license.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditLog } from '../src/audit/service.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { UsageRecorder } from '../src/delivery/usage-recorder.js';
import { BENCH_RECORDER } from './delivery.js';
import { runDir } from './cleanup.js';
import { seedDemoCatalog } from './demo.js';
import { newId } from '../src/ids.js';
import { MeteringWorker } from '../src/metering/worker.js';

const EVENTS = 20_000;
const BASELINE_EVENTS = 1_000;
/** Usage is spread over this many past hourly windows. */
const HOURS = 24;

export interface BenchRow {
  scenario: string;
  value: number;
  unit: string;
  baseline?: number;
}

/** A stand-in for Stripe's `POST /v1/billing/meter_events`: counts calls, dedupes identifiers. */
async function fakeMeter(): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const seen = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      const identifier = new URLSearchParams(Buffer.concat(chunks).toString()).get('identifier') ?? '';
      seen.add(identifier);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'billing.meter_event', identifier }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Runs the metering benchmark on an empty database and returns its rows.
 * @example const rows = await meteringBench({ databaseUrl }); // [{ scenario, value, unit, baseline }, ...]
 */
export async function meteringBench(ctx: { databaseUrl: string }): Promise<BenchRow[]> {
  const database = openDatabase(ctx.databaseUrl, { max: 10 });
  const storageDir = runDir('assay-bench-metering-');
  const meter = await fakeMeter();
  try {
    await migrateDatabase(database.pool);
    await seedDemoCatalog(database, storageDir);
    const found = await database.pool.query(
      `SELECT id, licensee_id FROM licenses WHERE pricing_model = 'USAGE' AND status = 'ACTIVE' ORDER BY id LIMIT 1`,
    );
    const license = found.rows[0] as { id: string; licensee_id: string } | undefined;
    if (!license) throw new Error('metering bench: the demo catalog has no ACTIVE USAGE license');
    // Billed through the (fake) Stripe meter, as a license bought in Stripe mode would be.
    await database.pool.query(`UPDATE licenses SET billing_mode = 'STRIPE', stripe_customer_id = 'cus_bench' WHERE id = $1`, [license.id]);

    const now = Date.now();
    const event = (i: number, n: number) => ({
      id: newId('usageEvent'),
      licenseId: license.id,
      tokenId: 'tok_bench',
      organizationId: license.licensee_id,
      versionId: 'dsv_bench',
      filePath: 'data/part-0.parquet',
      bytes: 1_000_000 + (i % 977),
      rows: 1000,
      rangeStart: null,
      rangeEnd: null,
      status: 200,
      clientAddress: '127.0.0.1',
      // Spread evenly over the last HOURS closed hours.
      servedAt: new Date(now - 3_600_000 - Math.floor((i / n) * HOURS * 3_600_000)),
    });
    const ingest = async (n: number, maxBatch: number) => {
      const recorder = new UsageRecorder(database.db, systemClock, new AuditLog(systemClock), { ...BENCH_RECORDER, maxBatch });
      const started = performance.now();
      for (let i = 0; i < n; i++) {
        recorder.record(event(i, n));
        // Unbatched: wait for each event's own transaction, as a writer without a buffer would.
        if (maxBatch === 1) await recorder.flush();
      }
      await recorder.close();
      return n / ((performance.now() - started) / 1000);
    };
    const unbatched = await ingest(BASELINE_EVENTS, 1);
    const batched = await ingest(EVENTS, 500);

    const config = loadConfig({
      DATABASE_URL: ctx.databaseUrl,
      STRIPE_SECRET_KEY: `sk_test_${randomBytes(8).toString('hex')}`,
      STRIPE_WEBHOOK_SECRET: 'whsec_bench',
      STRIPE_API_URL: meter.url,
      ASSAY_METERING_GRACE_MS: '0',
      ASSAY_METERING_MAX_PER_SECOND: '1000',
      ASSAY_METERING_CONCURRENCY: '8',
    });
    const worker = new MeteringWorker(database.db, systemClock, config, (err) => console.error(err));
    const started = performance.now();
    const pass = await worker.flush();
    const passMs = performance.now() - started;
    const totalEvents = EVENTS + BASELINE_EVENTS;
    return [
      {
        scenario: 'usage events ingested (UsageRecorder, batches of 500, with audit records)',
        value: Math.round(batched),
        unit: 'events/s',
        baseline: Math.round(unbatched),
      },
      {
        scenario: 'Stripe meter calls per 1,000 usage events (hourly windows)',
        value: Math.round((meter.calls() / totalEvents) * 1000 * 100) / 100,
        unit: 'calls',
        baseline: 1000,
      },
      { scenario: `roll-up and report pass (${totalEvents} events, ${pass.newReports} windows)`, value: Math.round(passMs), unit: 'ms' },
    ];
  } finally {
    await meter.close();
    await database.close();
  }
}
