/**
 * Lineage: ancestors of a version 50 generations deep in a catalog of 100,000 versions, read in one indexed query
 * on the closure table (LineageStore.ancestors, what the API runs) beside walking the parents one query per level
 * (LineageStore.parentIds), interleaved in the same run on the same data.
 */
import { openDatabase, queryStats, type Database } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { LineageStore } from '../src/db/stores/lineage-store.js';
import { count, mean, ms, quantile, table, type BenchEnv, type Scenario } from './support.js';

const CHAINS = 2_000;
const DEPTH = 50;
const VERSIONS = CHAINS * DEPTH;
const RUNS = 300;
const WARMUP = 30;
const TARGETS = 20;

/** IDs shaped like ours (prefix + 26 characters), derived from chain and level so the SQL can compute them. */
const versionIdSql = (chain: string, level: string) => `'dsv_' || lpad((${chain} * ${DEPTH} + ${level})::text, 26, '0')`;
const versionId = (chain: number, level: number) => `dsv_${String(chain * DEPTH + level).padStart(26, '0')}`;

/** 2,000 datasets, each a chain of 50 published versions where level n is generated from level n − 1. */
async function seed(database: Database): Promise<number> {
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    // Bulk load: foreign keys are satisfied by construction, so skip their per-row triggers.
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(`INSERT INTO organizations (id, slug, name, kind, vendor_status) VALUES ('org_bench000000000000000000000', 'bench-vendor', 'Bench Vendor', 'VENDOR', 'APPROVED')`);
    await client.query(`
      INSERT INTO datasets (id, vendor_id, slug, title, kind, modality, commercial_use, model_training, derivatives,
        synthetic_generation, redistribution, attribution_required, status, latest_version_id, published_at,
        lineage_generation_depth, lineage_real_fraction, lineage_permissions)
      SELECT 'ds_' || lpad(c::text, 26, '0'), 'org_bench000000000000000000000', 'chain-' || c, 'Chain ' || c, 'SYNTHETIC', 'TEXT',
        true, true, true, true, true, false, 'PUBLISHED', ${versionIdSql('c', String(DEPTH))}, now(), ${DEPTH - 1}, 0,
        ARRAY['COMMERCIAL_USE', 'MODEL_TRAINING']
      FROM generate_series(0, ${CHAINS - 1}) c`);
    await client.query(`
      INSERT INTO dataset_versions (id, dataset_id, version, status, published_at)
      SELECT ${versionIdSql('c', 'l')}, 'ds_' || lpad(c::text, 26, '0'), '1.0.' || l, 'PUBLISHED', now()
      FROM generate_series(0, ${CHAINS - 1}) c, generate_series(1, ${DEPTH}) l`);
    await client.query(`
      INSERT INTO lineage_edges (version_id, source_version_id, role, rows_used, basis)
      SELECT ${versionIdSql('c', 'l')}, ${versionIdSql('c', 'l - 1')}, 'SEED', 1000, 'OWNER'
      FROM generate_series(0, ${CHAINS - 1}) c, generate_series(2, ${DEPTH}) l`);
    await client.query(`
      INSERT INTO version_lineage (version_id, generation_depth, real_fraction, human_reviewed_fraction, own_terms,
        inherited_terms, attribution_label, attributions, real_root_ids, collapse_risk, collapse_reasons, computed_at)
      SELECT ${versionIdSql('c', 'l')}, l - 1, CASE WHEN l = 1 THEN 1 ELSE 0 END, 0, '{}', '{}', 'Chain ' || c || ' by Bench Vendor (custom terms)',
        '{}', ARRAY[${versionIdSql('c', '1')}], CASE WHEN l > 2 THEN 'HIGH' ELSE 'LOW' END::collapse_risk_level, '{}', now()
      FROM generate_series(0, ${CHAINS - 1}) c, generate_series(1, ${DEPTH}) l`);
    // Every (ancestor, descendant) pair of every chain, with the self rows: 2,000 × (1 + 2 + ... + 50) rows.
    const closure = await client.query(`
      INSERT INTO lineage_closure (ancestor_id, descendant_id, depth)
      SELECT ${versionIdSql('c', 'a')}, ${versionIdSql('c', 'l')}, l - a
      FROM generate_series(0, ${CHAINS - 1}) c, generate_series(1, ${DEPTH}) l, generate_series(1, l) a
      ORDER BY 2, 1`);
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE dataset_versions, lineage_edges, lineage_closure, version_lineage, datasets');
    return closure.rowCount ?? 0;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Runs `fn` counting the SQL statements it issues, as the server counts them per request. */
async function measured<T>(fn: () => Promise<T>): Promise<{ ms: number; statements: number; result: T }> {
  const stats = { statements: 0 };
  const started = performance.now();
  const result = await queryStats.run(stats, fn);
  return { ms: performance.now() - started, statements: stats.statements, result };
}

/** The API's path: one closure query (a fresh store per run, as per request, so no DataLoader cache helps). */
async function viaClosure(database: Database, id: string): Promise<Map<string, number>> {
  const links = await new LineageStore(database.db).ancestors.load({ versionId: id, maxDepth: DEPTH, limit: 1000 });
  return new Map(links.map((l) => [l.versionId, l.depth]));
}

/** The baseline: ask for the parents of the current frontier, one query per generation. */
async function viaWalk(database: Database, id: string): Promise<Map<string, number>> {
  const store = new LineageStore(database.db);
  const found = new Map<string, number>();
  let frontier = [id];
  for (let depth = 1; depth <= DEPTH && frontier.length > 0; depth++) {
    const parents = await store.parentIds(frontier);
    frontier = [];
    for (const p of parents) {
      if (found.has(p.sourceVersionId)) continue;
      found.set(p.sourceVersionId, depth);
      frontier.push(p.sourceVersionId);
    }
  }
  return found;
}

async function run(env: BenchEnv): Promise<void> {
  const url = await env.createDatabase('bench_lineage');
  const database = openDatabase(url, { max: 2, statementTimeoutMs: 600_000 });
  try {
    await migrateDatabase(database.pool);
    const seedStarted = performance.now();
    const closureRows = await seed(database);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    // Level 50 of evenly spread chains: the deepest versions, each with 49 ancestors.
    const targets = Array.from({ length: TARGETS }, (_, i) => versionId(Math.floor((i * CHAINS) / TARGETS), DEPTH));
    const closure = { times: [] as number[], statements: 0 };
    const walk = { times: [] as number[], statements: 0 };
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const id = targets[i % TARGETS]!;
      // Alternate which goes first, so neither always runs on the warmer cache.
      const order = i % 2 === 0 ? (['closure', 'walk'] as const) : (['walk', 'closure'] as const);
      const results = new Map<string, Map<string, number>>();
      for (const which of order) {
        const m = await measured(() => (which === 'closure' ? viaClosure(database, id) : viaWalk(database, id)));
        results.set(which, m.result);
        if (i >= WARMUP) {
          const into = which === 'closure' ? closure : walk;
          into.times.push(m.ms);
          into.statements = m.statements;
        }
      }
      const a = results.get('closure')!;
      const b = results.get('walk')!;
      if (a.size !== DEPTH - 1 || b.size !== a.size || [...a].some(([k, d]) => b.get(k) !== d)) {
        throw new Error(`closure and walk disagree for ${id}: ${a.size} vs ${b.size} ancestors`);
      }
    }
    const plan = await database.pool.query(
      `EXPLAIN SELECT ancestor_id, depth FROM lineage_closure WHERE descendant_id = $1 AND depth BETWEEN 1 AND ${DEPTH} ORDER BY depth, ancestor_id`,
      [targets[0]],
    );
    const scan = (plan.rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN'].trim()).find((l) => /Scan/.test(l)) ?? '?';

    process.stdout.write(
      [
        `Ancestors of a version ${DEPTH} generations deep (${DEPTH - 1} ancestors)`,
        `catalog: ${count(VERSIONS)} versions (${count(CHAINS)} chains × ${DEPTH}), ${count(closureRows)} closure rows, seeded in ${seedSeconds.toFixed(1)} s`,
        `${RUNS} runs each after ${WARMUP} warm-up runs, interleaved, over ${TARGETS} different versions; plan of the closure lookup: ${scan.replace(/\s+\(cost.*$/, '')}`,
        '',
        table(
          ['query', 'SQL statements', 'p50 ms', 'p99 ms', 'mean ms'],
          [
            ['closure table (LineageStore.ancestors)', closure.statements, ms(quantile(closure.times, 0.5)), ms(quantile(closure.times, 0.99)), ms(mean(closure.times))],
            ['walk parents, one query per level (LineageStore.parentIds)', walk.statements, ms(quantile(walk.times, 0.5)), ms(quantile(walk.times, 0.99)), ms(mean(walk.times))],
          ],
        ),
        '',
        `closure is ${(quantile(walk.times, 0.5) / quantile(closure.times, 0.5)).toFixed(1)}× faster at p50, ${(quantile(walk.times, 0.99) / quantile(closure.times, 0.99)).toFixed(1)}× at p99`,
        '',
      ].join('\n'),
    );
  } finally {
    await database.close();
  }
}

export const lineageScenario: Scenario = { name: 'lineage', run };
