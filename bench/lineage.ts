/**
 * Lineage at the store level: ancestors of a version 50 generations deep in the benchmark catalog (300,000 versions,
 * see seed.ts), read in one indexed query on the closure table (LineageStore.ancestors, what the API runs) beside
 * walking the parents one query per level (LineageStore.parentIds), interleaved in the same run on the same data.
 * The HTTP scenarios in run.ts measure the same comparison end to end.
 */
import type { Database, Db } from '../src/db/client.js';
import { LineageStore } from '../src/db/stores/lineage-store.js';
import { mean, ms, quantile, table } from './support.js';

const DEPTH = 50;
const RUNS = 300;
const WARMUP = 30;

export interface QueryTimes {
  times: number[];
  statements: number;
}

/** Runs `fn` on a request's database handle, counting the SQL statements it issues as the server does. */
async function measured<T>(database: Database, fn: (db: Db) => Promise<T>): Promise<{ ms: number; statements: number; result: T }> {
  const stats = { statements: 0 };
  const started = performance.now();
  const result = await fn(database.forRequest(stats));
  return { ms: performance.now() - started, statements: stats.statements, result };
}

/** The API's path: one closure query (a fresh store per run, as per request, so no DataLoader cache helps). */
async function viaClosure(db: Db, id: string): Promise<Map<string, number>> {
  const links = await new LineageStore(db).ancestors.load({ versionId: id, maxDepth: DEPTH, limit: 1000 });
  return new Map(links.map((l) => [l.versionId, l.depth]));
}

/** The baseline: ask for the parents of the current frontier, one query per generation. */
async function viaWalk(db: Db, id: string): Promise<Map<string, number>> {
  const store = new LineageStore(db);
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

/**
 * Reads the ancestors of each target (versions with DEPTH - 1 ancestors) both ways, checks they agree, and prints a
 * small table; returns the timings for the harness's summary.
 */
export async function lineageStoreBench(
  database: Database,
  targets: string[],
  log: (text: string) => void,
): Promise<{ closure: QueryTimes; walk: QueryTimes }> {
  const closure: QueryTimes = { times: [], statements: 0 };
  const walk: QueryTimes = { times: [], statements: 0 };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const id = targets[i % targets.length]!;
    // Alternate which goes first, so neither always runs on the warmer cache.
    const order = i % 2 === 0 ? (['closure', 'walk'] as const) : (['walk', 'closure'] as const);
    const results = new Map<string, Map<string, number>>();
    for (const which of order) {
      const m = await measured(database, (db) => (which === 'closure' ? viaClosure(db, id) : viaWalk(db, id)));
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
  log(
    [
      `Ancestors of a version ${DEPTH} generations deep (${DEPTH - 1} ancestors), store level, in process`,
      `${RUNS} runs each after ${WARMUP} warm-up runs, interleaved, over ${targets.length} different versions; plan of the closure lookup: ${scan.replace(/\s+\(cost.*$/, '')}`,
      '',
      table(
        ['query', 'SQL statements', 'p50 ms', 'p99 ms', 'mean ms'],
        [
          [
            'closure table (LineageStore.ancestors)',
            closure.statements,
            ms(quantile(closure.times, 0.5)),
            ms(quantile(closure.times, 0.99)),
            ms(mean(closure.times)),
          ],
          [
            'walk parents, one query per level (LineageStore.parentIds)',
            walk.statements,
            ms(quantile(walk.times, 0.5)),
            ms(quantile(walk.times, 0.99)),
            ms(mean(walk.times)),
          ],
        ],
      ),
      '',
      `closure is ${(quantile(walk.times, 0.5) / quantile(closure.times, 0.5)).toFixed(1)}× faster at p50, ${(quantile(walk.times, 0.99) / quantile(closure.times, 0.99)).toFixed(1)}× at p99`,
      '',
    ].join('\n'),
  );
  return { closure, walk };
}
