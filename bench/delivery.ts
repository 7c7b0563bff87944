/**
 * In-process delivery figures: access-token checks per second through the real DownloadGate (cold: every token new
 * to the gate; cached: the same token again) beside plain `jose` jwtVerify in a loop, and usage events written per
 * second through the real UsageRecorder (batched, with their hash-chained audit records) beside plain batched
 * INSERTs of the same events.
 */
import { jwtVerify, type CryptoKey } from 'jose';
import { AuditLog } from '../src/audit/service.js';
import { systemClock } from '../src/clock.js';
import type { Database } from '../src/db/client.js';
import { Stores } from '../src/db/stores/index.js';
import type { UsageEventInsert } from '../src/db/stores/delivery-store.js';
import { DownloadGate } from '../src/delivery/download-gate.js';
import { UsageRecorder, type UsageRecorderOptions } from '../src/delivery/usage-recorder.js';
import { newId } from '../src/ids.js';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/tokens/access-tokens.js';

/** The server's batching, with a buffer no bench run fills and no logging. */
export const BENCH_RECORDER: UsageRecorderOptions = {
  maxBatch: 500,
  intervalMs: 100,
  maxBuffered: 10_000_000,
  retryMaxMs: 5000,
  onOutage: () => undefined,
  onRecovery: () => undefined,
};
import { TOKEN_ALGORITHM, type SigningKeyRing } from '../src/tokens/signing-keys.js';

export interface OpsResult {
  ops: number;
  seconds: number;
  latencies: number[];
  errors: number;
}

/** Runs `op(i)` with `concurrency` in flight until `count` ops are done or `seconds` have passed. */
export async function runOps(
  op: (i: number) => Promise<boolean>,
  options: { concurrency: number; seconds: number; count?: number },
): Promise<OpsResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && (options.count === undefined || next < options.count)) {
      const i = next++;
      const t = performance.now();
      const ok = await op(i).catch(() => false);
      latencies.push(performance.now() - t);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { ops: latencies.length, seconds: (performance.now() - started) / 1000, latencies, errors };
}

export interface TokenCheckInputs {
  database: Database;
  keyRing: SigningKeyRing;
  /** Distinct valid tokens (each with its access_tokens row) for the cold checks and the jose loop. */
  tokens: string[];
  kid: string;
  versionId: string;
  filePath: string;
}

/** Cold checks, cached checks and plain jose verification, each at the same concurrency. */
export async function tokenChecks(
  inputs: TokenCheckInputs,
  seconds: number,
): Promise<{ cold: OpsResult; cached: OpsResult; jose: OpsResult }> {
  const recorder = new UsageRecorder(inputs.database.db, systemClock, new AuditLog(systemClock), BENCH_RECORDER);
  const gate = new DownloadGate(inputs.database.db, inputs.keyRing, recorder, systemClock);
  const granted = async (token: string) =>
    'claims' in (await gate.check({ authorization: `Bearer ${token}`, versionId: inputs.versionId, filePath: inputs.filePath }));
  const key = (await inputs.keyRing.verificationKey(inputs.kid)) as CryptoKey;
  const { tokens } = inputs;
  // Warm the key ring, the version entry and the code paths on tokens the cold run does not use.
  const warm = tokens.splice(0, 200);
  for (const t of warm) await granted(t);
  const cold = await runOps((i) => granted(tokens[i]!), { concurrency: 16, seconds, count: tokens.length });
  const cached = await runOps(() => granted(warm[0]!), { concurrency: 16, seconds });
  const jose = await runOps(
    async (i) => {
      await jwtVerify(tokens[i % tokens.length]!, key, { algorithms: [TOKEN_ALGORITHM], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE });
      return true;
    },
    { concurrency: 16, seconds },
  );
  await recorder.close();
  return { cold, cached, jose };
}

export interface UsageInputs {
  database: Database;
  licenseId: string;
  tokenId: string;
  organizationId: string;
  versionId: string;
  filePath: string;
}

function usageEvents(inputs: UsageInputs, n: number): UsageEventInsert[] {
  const now = new Date();
  return Array.from({ length: n }, () => ({
    id: newId('usageEvent'),
    licenseId: inputs.licenseId,
    tokenId: inputs.tokenId,
    organizationId: inputs.organizationId,
    versionId: inputs.versionId,
    filePath: inputs.filePath,
    bytes: 4096,
    rows: 10,
    rangeStart: null,
    rangeEnd: null,
    status: 200,
    clientAddress: '127.0.0.1',
    servedAt: now,
  }));
}

/** Events per second: `n` events recorded as downloads would record them, until all are written. */
export async function usageIngestion(inputs: UsageInputs, n: number): Promise<{ recorder: OpsResult; plain: OpsResult }> {
  const recorder = new UsageRecorder(inputs.database.db, systemClock, new AuditLog(systemClock), BENCH_RECORDER);
  const events = usageEvents(inputs, n);
  let started = performance.now();
  // Downloads end a few at a time: record in bursts, letting the event loop (and the recorder's flushes) run between.
  for (let i = 0; i < events.length; i += 50) {
    for (const e of events.slice(i, i + 50)) recorder.record(e);
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Everything written, however long that takes on a loaded machine (the default 5 s deadline left some unwritten).
  await recorder.close(600_000);
  const recorderResult = { ops: n, seconds: (performance.now() - started) / 1000, latencies: [], errors: 0 };

  const plainEvents = usageEvents(inputs, n);
  started = performance.now();
  const stores = new Stores(inputs.database.db);
  for (let i = 0; i < plainEvents.length; i += 500) await stores.delivery.insertUsage(plainEvents.slice(i, i + 500), []);
  const plainResult = { ops: n, seconds: (performance.now() - started) / 1000, latencies: [], errors: 0 };
  const [row] = (await inputs.database.pool.query('SELECT count(*)::int AS n FROM usage_events WHERE license_id = $1', [inputs.licenseId]))
    .rows as { n: number }[];
  if (row!.n < 2 * n) throw new Error(`usage bench: expected at least ${2 * n} events written, found ${row!.n}`);
  return { recorder: recorderResult, plain: plainResult };
}
