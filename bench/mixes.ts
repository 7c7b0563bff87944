/**
 * Training mixes in process: computing a mix of 50 components, each a version 50 generations deep in the benchmark
 * catalog (seed.ts), the way the API does (MixesService.compute: every component's frozen lineage summary, read
 * through batched loaders) beside walking each component's ancestry one query per level and combining the ancestors'
 * terms, interleaved in the same run on the same data. Both combine terms over what they read; the bench catalog
 * freezes each version's own terms as its inherited ones, so the two are checked on what they covered.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { loadConfig } from '../src/config.js';
import { combineTerms, termsOf, type LicenseTerms } from '../src/catalog/terms.js';
import { buildProcessParts, type ProcessParts } from '../src/composition.js';
import { RequestServices } from '../src/context.js';
import type { Database, Db } from '../src/db/client.js';
import { Stores } from '../src/db/stores/index.js';
import { LineageStore } from '../src/db/stores/lineage-store.js';
import type { TrainingMixRow } from '../src/db/stores/mixes-store.js';
import { systemClock } from '../src/clock.js';
import { LocalFileStorage } from '../src/delivery/storage.js';
import { createLog } from '../src/log.js';
import { Viewer } from '../src/accounts/viewer.js';
import { mean, ms, quantile, table } from './support.js';
import type { QueryTimes } from './lineage.js';

// The walk issues about 2,600 statements a run: a few dozen runs keep the figure to minutes.
const RUNS = 30;
const WARMUP = 3;
const DEPTH = 50;
const ROWS_EACH = 1;

/** The API's path: a fresh request's stores and services, one computation. */
async function viaService(parts: ProcessParts, db: Db, mix: TrainingMixRow): Promise<number> {
  const { mixes } = new RequestServices(parts, { stores: new Stores(db), origin: 'http://bench', log: () => undefined });
  // A member of the mix's organization, as the API would see them.
  const viewer = new Viewer({
    userId: mix.createdBy,
    apiKeyId: 'bench',
    organizationId: mix.organizationId,
    organizationKind: 'BUYER',
    vendorStatus: null,
    orgRole: 'MEMBER',
    platformRole: null,
  });
  const computed = await mixes.compute(viewer, mix);
  combineTerms([computed.metrics.inheritedTerms]);
  return computed.components.length;
}

/** The baseline: per component, ask for the parents of the frontier one query per level, then the ancestors' terms. */
async function viaWalk(db: Db, componentIds: readonly string[]): Promise<number> {
  const store = new LineageStore(db);
  const terms: LicenseTerms[] = [];
  let visited = 0;
  for (const id of componentIds) {
    const seen = new Set<string>([id]);
    let frontier = [id];
    for (let depth = 1; depth <= DEPTH && frontier.length > 0; depth++) {
      const parents = await store.parentIds(frontier);
      frontier = parents.map((p) => p.sourceVersionId).filter((p) => !seen.has(p));
      for (const p of frontier) seen.add(p);
    }
    const versions = await new Stores(db).catalog.versionById.loadMany([...seen]);
    const datasets = await new Stores(db).catalog.datasetById.loadMany(
      versions.flatMap((v) => (v && !(v instanceof Error) ? [v.datasetId] : [])),
    );
    for (const d of datasets) if (d && !(d instanceof Error)) terms.push(termsOf(d));
    visited += seen.size;
  }
  combineTerms(terms);
  return visited;
}

/**
 * Creates the bench buyer's mix over `components` (tips of deep chains), computes it both ways RUNS times after a
 * warm-up, checks both covered everything, prints a table and returns the timings.
 */
export async function mixBench(
  database: Database,
  buyer: { organizationId: string; userId: string },
  components: string[],
  log: (text: string) => void,
): Promise<{ service: QueryTimes; walk: QueryTimes }> {
  const now = new Date();
  // The server's parts with the default settings; nothing in them is started.
  const parts = buildProcessParts({
    config: loadConfig({}),
    database,
    clock: systemClock,
    secret: randomBytes(32).toString('base64url'),
    storage: new LocalFileStorage(os.tmpdir()),
    log: createLog('silent'),
  });
  const stores = new Stores(database.db);
  const mix = (await stores.mixes.insertMix({
    id: `mix_${'bench'.padEnd(26, '0')}`,
    organizationId: buyer.organizationId,
    name: `bench ${now.toISOString()}`,
    regime: 'ACCUMULATE',
    intendedUse: ['MODEL_TRAINING'],
    targetRealFraction: null,
    suggestionSearch: null,
    createdBy: buyer.userId,
    createdAt: now,
    updatedAt: now,
  }))!;
  await stores.mixes.replaceComponents(
    mix.id,
    components.map((versionId) => ({ versionId, rows: ROWS_EACH })),
  );
  const service: QueryTimes = { times: [], statements: 0 };
  const walk: QueryTimes = { times: [], statements: 0 };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const order = i % 2 === 0 ? (['service', 'walk'] as const) : (['walk', 'service'] as const);
    const results = new Map<string, number>();
    for (const which of order) {
      const stats = { statements: 0 };
      const db = database.forRequest(stats);
      const started = performance.now();
      results.set(which, which === 'service' ? await viaService(parts, db, mix) : await viaWalk(db, components));
      const elapsed = performance.now() - started;
      if (i >= WARMUP) {
        const into = which === 'service' ? service : walk;
        into.times.push(elapsed);
        into.statements = stats.statements;
      }
    }
    // The bench catalog freezes each version's own terms as its inherited ones, so the two are checked on what they
    // covered, not on the terms: every component, and every version of every component's ancestry.
    if (results.get('service') !== components.length || results.get('walk') !== components.length * DEPTH) {
      throw new Error(`mix bench: covered ${results.get('service')} components and ${results.get('walk')} versions`);
    }
  }
  log(
    [
      `A training mix of ${components.length} components, each ${DEPTH} generations deep, computed in process`,
      `${RUNS} runs each after ${WARMUP} warm-up runs, interleaved`,
      '',
      table(
        ['computation', 'SQL statements', 'p50 ms', 'p99 ms', 'mean ms'],
        [
          [
            'frozen summaries, batched (MixesService.compute)',
            service.statements,
            ms(quantile(service.times, 0.5)),
            ms(quantile(service.times, 0.99)),
            ms(mean(service.times)),
          ],
          [
            'walk each ancestry, one query per level',
            walk.statements,
            ms(quantile(walk.times, 0.5)),
            ms(quantile(walk.times, 0.99)),
            ms(mean(walk.times)),
          ],
        ],
      ),
      '',
      `the service is ${(quantile(walk.times, 0.5) / quantile(service.times, 0.5)).toFixed(1)}× faster at p50, ${(quantile(walk.times, 0.99) / quantile(service.times, 0.99)).toFixed(1)}× at p99`,
      '',
    ].join('\n'),
  );
  await parts.close();
  return { service, walk };
}
