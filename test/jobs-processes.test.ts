import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/app.js';
import { eventually, startServerProcess, type ServerProcess } from './support/app-process.js';

const PERIOD_MS = 2000;
const processes: ServerProcess[] = [];
let databaseUrl: string;
let db: pg.Pool;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
});
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await db?.end();
});

const leads = (p: ServerProcess) => p.logs().some((l) => l.msg === 'periodic jobs: this process leads');
const checkpointTimes = async () =>
  (
    await db.query<{ at: string }>('SELECT (extract(epoch FROM signed_at) * 1000)::float8 AS at FROM audit_checkpoints ORDER BY signed_at')
  ).rows.map((r) => Number(r.at));

/** Keeps audit events coming (organizations signing up), so every checkpoint run finds a new chain head to sign. */
function auditTraffic(targets: () => ServerProcess[]) {
  let stopped = false;
  let n = 0;
  const done = (async () => {
    while (!stopped) {
      const live = targets().filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      const target = live[n % live.length]!;
      const slug = `jobs-org-${n++}-${Date.now()}`;
      await fetch(`${target.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }`,
          variables: { input: { name: slug, slug, kind: 'BUYER', owner: { name: 'Owner', email: `owner@${slug}.example` } } },
        }),
      }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return async () => {
    stopped = true;
    await done;
  };
}

describe('periodic jobs across server processes', () => {
  it('run once per period with two processes on one database, and the other process takes over when the leader dies', async () => {
    const env = {
      ASSAY_JOBS_AUDIT_CHECKPOINT_INTERVAL_MS: String(PERIOD_MS),
      ASSAY_JOBS_EXPIRE_LICENSES_INTERVAL_MS: '600000',
      ASSAY_JOBS_LEADER_RETRY_MS: '200',
    };
    const pair = await Promise.all([startServerProcess(databaseUrl, env), startServerProcess(databaseUrl, env)]);
    processes.push(...pair);
    const stopTraffic = auditTraffic(() => pair);
    try {
      await eventually(() => pair.some(leads), 10_000, 'a leader');
      const leader = pair.find(leads)!;
      const follower = pair.find((p) => p !== leader)!;
      // Exactly one leads, and the checkpoints come once per period, not once per process and period.
      await eventually(async () => (await checkpointTimes()).length >= 4, 20_000, 'four checkpoints');
      expect(leads(follower)).toBe(false);

      leader.child.kill('SIGKILL');
      await leader.exited;
      const killedAt = Date.now();
      await eventually(() => leads(follower), 10_000, 'takeover');
      await eventually(
        async () => (await checkpointTimes()).some((t) => t > killedAt + PERIOD_MS),
        20_000,
        'a checkpoint by the new leader',
      );
      await eventually(
        async () => (await checkpointTimes()).filter((t) => t > killedAt).length >= 2,
        20_000,
        'two checkpoints after takeover',
      );
    } finally {
      await stopTraffic();
    }
    const times = await checkpointTimes();
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Two processes each on its own timer would sign about twice per period: gaps of half a period on average, and
    // the shorter of each two consecutive ones at most half. Timers run late under load, hence the margin.
    expect(Math.min(...gaps)).toBeGreaterThan(PERIOD_MS * 0.7);
    for (const p of pair) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  }, 120_000);
});
