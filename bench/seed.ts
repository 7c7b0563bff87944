/**
 * Seeds the benchmark catalog with set-based SQL (generate_series), not the API: 100,000 datasets from 200 vendors
 * (REAL, SYNTHETIC and HYBRID, every modality, tags, varied terms, a few suspended, archived and draft listings),
 * 300,000 versions (three per dataset, a few retracted), a file per version, lineage chains (400 chains 50 datasets
 * deep, 10,000 short chains of 4, simulations without sources) with their edges, closure rows and summaries, the
 * catalog's lineage columns, and 1 to 3 offers per dataset.
 *
 * Dataset and version IDs are a permutation of the dataset number (`num`), so the catalog's newest-first page
 * mixes kinds, chains and vendors as a real catalog would.
 */
import type pg from 'pg';

export const DATASETS = 100_000;
export const VERSIONS_PER_DATASET = 3;
export const VENDORS = 200;
/** Datasets 0..19,999 form 400 chains of 50: each one's versions are generated from the previous dataset's. */
export const DEEP_CHAIN = 50;
const DEEP_END = 20_000;
/** Datasets 20,000..59,999 form chains of 4 (a REAL root and three generations). */
const SHORT_CHAIN = 4;
const SHORT_END = 60_000;
/** A multiplier coprime with DATASETS: `num = (d * A + B) mod DATASETS` is a permutation. */
const PERM_A = 7919;
const PERM_B = 12_345;

const pad = (n: number | string, prefix: string) => `${prefix}_${String(n).padStart(26, '0')}`;
/** The ID number of dataset `d` (its position in ID order). */
export const datasetNum = (d: number) => (d * PERM_A + PERM_B) % DATASETS;
export const datasetId = (d: number) => pad(datasetNum(d), 'ds');
/** Version `n` (1..3) of dataset `d`. */
export const versionId = (d: number, n: number) => pad(datasetNum(d) * VERSIONS_PER_DATASET + n - 1, 'dsv');
export const BUYER_ORG = `org_${'benchbuyer'.padEnd(26, '0')}`;
export const BUYER_USER = `usr_${'benchbuyer'.padEnd(26, '0')}`;

/** Dataset `d` at the end (position 49) of deep chain `chain` (0..399): 49 ancestors per version. */
export const deepChainTip = (chain: number) => chain * DEEP_CHAIN + DEEP_CHAIN - 1;

const numSql = (d: string) => `((${d})::bigint * ${PERM_A} + ${PERM_B}) % ${DATASETS}`;
const dsIdSql = (d: string) => `'ds_' || lpad((${numSql(d)})::text, 26, '0')`;
const dsvIdSql = (d: string, n: string) => `'dsv_' || lpad(((${numSql(d)}) * ${VERSIONS_PER_DATASET} + ${n} - 1)::text, 26, '0')`;
const orgIdSql = (v: string) => `'org_' || lpad((${v})::text, 26, '0')`;
const pick = (values: string[], index: string) =>
  `(ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}])[1 + (${index}) % ${values.length}]`;

const ADJECTIVES = [
  'Multilingual',
  'Clinical',
  'Conversational',
  'Annotated',
  'Curated',
  'Large-scale',
  'Open',
  'Longitudinal',
  'Expert-labelled',
  'Noisy',
  'Balanced',
  'Domain-specific',
  'Crowdsourced',
  'Synthetic-augmented',
  'Benchmark',
  'Instruction',
  'Low-resource',
];
const TOPICS = [
  'speech',
  'news',
  'legal',
  'medical',
  'retail',
  'finance',
  'code review',
  'customer support',
  'satellite',
  'traffic',
  'weather',
  'product',
  'music',
  'sports',
  'genomics',
  'education',
  'manufacturing',
  'energy',
  'insurance',
  'robotics',
  'chemistry',
  'e-commerce',
  'travel',
  'agriculture',
  'cybersecurity',
];
const TASKS = [
  'classification',
  'summarization',
  'question answering',
  'retrieval',
  'detection',
  'translation',
  'forecasting',
  'transcription',
  'segmentation',
  'instruction tuning',
  'evaluation',
];
const SPDX = ['CC-BY-4.0', 'CC0-1.0', 'CC-BY-NC-4.0', 'CC-BY-SA-4.0', 'ODC-By-1.0', 'CDLA-Permissive-2.0', '', 'LicenseRef-Commercial'];
/** Modality by (d * 13) mod 10: text is the most common, then tabular. */
const MODALITIES = ['TEXT', 'TEXT', 'TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'TABULAR', 'TABULAR', 'CODE', 'MULTIMODAL'];
const NOUNS: Record<string, string> = {
  TEXT: 'corpus',
  IMAGE: 'images',
  AUDIO: 'speech recordings',
  VIDEO: 'video clips',
  TABULAR: 'records',
  CODE: 'code snippets',
  MULTIMODAL: 'image-text pairs',
};

export interface SeedCounts {
  datasets: number;
  versions: number;
  closureRows: number;
  offers: number;
  vendors: number;
}

/** Runs the whole seed on one connection, in one transaction, with foreign-key triggers off (keys hold by construction). */
export async function seedCatalog(client: pg.PoolClient, log: (line: string) => void): Promise<SeedCounts> {
  const step = async (label: string, text: string): Promise<number> => {
    const started = performance.now();
    const res = await client.query(text);
    log(`  ${label}: ${(res.rowCount ?? 0).toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return res.rowCount ?? 0;
  };
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    await client.query("SET LOCAL work_mem = '64MB'");
    // One row per dataset with everything the other inserts derive from: position in its chain, kind, vendor, terms.
    await step(
      'plan',
      `CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
       SELECT d, num, p, kind, vendor, modality,
         (d * 17) % 100 AS bucket
       FROM (
         SELECT d, ${numSql('d')} AS num,
           CASE WHEN d < ${DEEP_END} THEN d % ${DEEP_CHAIN} WHEN d < ${SHORT_END} THEN (d - ${DEEP_END}) % ${SHORT_CHAIN} ELSE 0 END AS p,
           CASE WHEN d < ${DEEP_END} THEN d / ${DEEP_CHAIN} WHEN d < ${SHORT_END} THEN 400 + (d - ${DEEP_END}) / ${SHORT_CHAIN} ELSE d END % ${VENDORS} + 1 AS vendor,
           ${pick(MODALITIES, 'd * 13')} AS modality
         FROM generate_series(0, ${DATASETS - 1}) d
       ) s
       CROSS JOIN LATERAL (SELECT CASE
         WHEN p = 0 AND (d < ${SHORT_END} OR d % 5 <> 0) THEN 'REAL'
         WHEN d % 3 = 0 THEN 'HYBRID' ELSE 'SYNTHETIC' END AS kind) k`,
    );
    await client.query('ALTER TABLE bench_plan ADD PRIMARY KEY (d)');
    const vendors = await step(
      'organizations',
      `INSERT INTO organizations (id, slug, name, kind, vendor_status, approved_at, created_at)
       SELECT ${orgIdSql('v')}, 'vendor-' || v, ${pick(['Northwind', 'Contoso', 'Fabrikam', 'Initech', 'Umbrella', 'Globex', 'Hooli', 'Tyrell', 'Wayne', 'Stark', 'Acme'], 'v')} || ' Data ' || v,
         'VENDOR', 'APPROVED', now() - interval '400 days', now() - interval '400 days'
       FROM generate_series(1, ${VENDORS}) v`,
    );
    const terms = {
      commercial: 'd % 4 <> 0',
      training: 'd % 7 <> 0',
      derivatives: 'd % 3 <> 1',
      synthetic: 'd % 5 <> 1',
      redistribution: 'd % 6 = 0',
      attribution: 'd % 2 = 0',
    };
    const permissionsSql = `array_remove(ARRAY[
        CASE WHEN ${terms.commercial} THEN 'COMMERCIAL_USE' END, CASE WHEN ${terms.training} THEN 'MODEL_TRAINING' END,
        CASE WHEN ${terms.derivatives} THEN 'DERIVATIVES' END, CASE WHEN ${terms.synthetic} THEN 'SYNTHETIC_GENERATION' END,
        CASE WHEN ${terms.redistribution} THEN 'REDISTRIBUTION' END, CASE WHEN NOT (${terms.attribution}) THEN 'NO_ATTRIBUTION' END], NULL)`;
    const nounSql = `CASE modality ${Object.entries(NOUNS)
      .map(([m, n]) => `WHEN '${m}' THEN '${n}'`)
      .join(' ')} END`;
    // Lineage summary of a version at chain position p (the same for the three versions of a dataset).
    const depthSql = `CASE WHEN kind = 'REAL' THEN 0 WHEN p = 0 THEN 1 ELSE p END`;
    const realSql = `CASE WHEN kind = 'REAL' THEN 1.0 WHEN kind = 'HYBRID' THEN round(1.0 / (p + 2), 4) ELSE 0.0 END`;
    const riskSql = `CASE
        WHEN ${depthSql} >= 2 AND ${realSql} < 0.1 THEN 'HIGH' WHEN ${depthSql} >= 4 AND ${realSql} < 0.25 THEN 'HIGH'
        WHEN ${depthSql} >= 2 AND ${realSql} < 0.25 THEN 'MEDIUM' WHEN ${depthSql} >= 1 AND d % 4 = 0 THEN 'MEDIUM' ELSE 'LOW' END`;
    const datasets = await step(
      'datasets',
      `INSERT INTO datasets (id, vendor_id, slug, title, summary, description, kind, modality, tags, spdx_id, commercial_use,
         model_training, derivatives, synthetic_generation, redistribution, attribution_required, status, latest_version_id,
         created_at, updated_at, published_at, lineage_generation_depth, lineage_real_fraction, lineage_permissions)
       SELECT ${dsIdSql('d')}, ${orgIdSql('vendor')}, 'dataset-' || d,
         ${pick(ADJECTIVES, 'd')} || ' ' || ${pick(TOPICS, 'd / 7')} || ' ' || ${nounSql} || ' ' || d,
         'A ' || lower(${pick(ADJECTIVES, 'd')}) || ' collection of ' || ${pick(TOPICS, 'd / 7')} || ' ' || ${nounSql} || ' for ' || ${pick(TASKS, 'd / 3')} || '.',
         'Collected and documented by vendor ' || vendor || '. ' || ${pick(TOPICS, 'd / 11')} || ' ' || ${pick(TASKS, 'd / 5')}
           || ' data with a datasheet, a column schema and a free sample; refreshed quarterly.',
         kind::dataset_kind, modality::modality,
         ARRAY[${pick(TOPICS, 'd / 7')}, lower(modality), lower(kind), ${pick(TASKS, 'd / 3')}],
         NULLIF(${pick(SPDX, 'd')}, ''), ${terms.commercial}, ${terms.training}, ${terms.derivatives}, ${terms.synthetic},
         ${terms.redistribution}, ${terms.attribution},
         (CASE WHEN d >= ${SHORT_END} AND bucket = 97 THEN 'SUSPENDED' WHEN d >= ${SHORT_END} AND bucket = 98 THEN 'ARCHIVED'
           WHEN d >= ${SHORT_END} AND bucket = 99 THEN 'DRAFT' ELSE 'PUBLISHED' END)::dataset_status,
         CASE WHEN d >= ${SHORT_END} AND bucket = 99 THEN NULL ELSE ${dsvIdSql('d', '3')} END,
         now() - (${DATASETS} - num) * interval '5 minutes', now() - (${DATASETS} - num) * interval '4 minutes',
         CASE WHEN d >= ${SHORT_END} AND bucket = 99 THEN NULL ELSE now() - (${DATASETS} - num) * interval '5 minutes' END,
         CASE WHEN d >= ${SHORT_END} AND bucket = 99 THEN NULL ELSE ${depthSql} END,
         CASE WHEN d >= ${SHORT_END} AND bucket = 99 THEN NULL ELSE ${realSql} END,
         CASE WHEN d >= ${SHORT_END} AND bucket = 99 THEN NULL ELSE ${permissionsSql} END
       FROM bench_plan`,
    );
    // Three versions per dataset; a draft listing's are drafts, and a few first versions were retracted later.
    const versions = await step(
      'dataset_versions',
      `INSERT INTO dataset_versions (id, dataset_id, version, status, format, columns, sample, changelog, row_count, byte_size,
         manifest_sha256, created_at, updated_at, published_at, retracted_at, retraction_reason)
       SELECT ${dsvIdSql('d', 'n')}, ${dsIdSql('d')}, (ARRAY['1.0.0', '1.1.0', '2.0.0'])[n],
         (CASE WHEN d >= ${SHORT_END} AND bucket = 99 THEN 'DRAFT' WHEN n = 1 AND d % 200 = 7 THEN 'RETRACTED' ELSE 'PUBLISHED' END)::dataset_version_status,
         'parquet', '[{"name":"id","type":"string"},{"name":"text","type":"string"},{"name":"label","type":"string"}]'::jsonb,
         jsonb_build_array(jsonb_build_object('id', d || '-1', 'text', 'example row', 'label', 'a')),
         'Release ' || n, 10000 * n + d % 1000, (10000 * n + d % 1000) * 512, md5(d || '-' || n) || md5(n || '-' || d),
         now() - (${DATASETS} - num) * interval '5 minutes' + n * interval '1 minute', now() - (${DATASETS} - num) * interval '5 minutes' + n * interval '1 minute',
         CASE WHEN d >= ${SHORT_END} AND bucket = 99 THEN NULL ELSE now() - (${DATASETS} - num) * interval '5 minutes' + n * interval '1 minute' END,
         CASE WHEN n = 1 AND d % 200 = 7 AND NOT (d >= ${SHORT_END} AND bucket = 99) THEN now() - interval '1 day' END,
         CASE WHEN n = 1 AND d % 200 = 7 AND NOT (d >= ${SHORT_END} AND bucket = 99) THEN 'Contained personal data' END
       FROM bench_plan, generate_series(1, ${VERSIONS_PER_DATASET}) n`,
    );
    await step(
      'data_files',
      `INSERT INTO data_files (id, version_id, path, byte_size, sha256, row_count, position)
       SELECT 'fil_' || lpad((num * ${VERSIONS_PER_DATASET} + n - 1)::text, 26, '0'), ${dsvIdSql('d', 'n')}, 'data/train-00000.parquet',
         (10000 * n + d % 1000) * 512, md5(d || '/' || n) || md5(n || '/' || d), 10000 * n + d % 1000, 0
       FROM bench_plan, generate_series(1, ${VERSIONS_PER_DATASET}) n`,
    );
    // Version n of a dataset at chain position p > 0 is generated from version n of the dataset before it.
    await step(
      'lineage_edges',
      `INSERT INTO lineage_edges (version_id, source_version_id, role, rows_used, basis)
       SELECT ${dsvIdSql('d', 'n')}, ${dsvIdSql('d - 1', 'n')}, 'SEED', 1000, 'OWNER'
       FROM bench_plan, generate_series(1, ${VERSIONS_PER_DATASET}) n WHERE p > 0`,
    );
    await step(
      'version_provenance',
      `INSERT INTO version_provenance (version_id, provenance, updated_at)
       SELECT ${dsvIdSql('d', 'n')}, jsonb_build_object(
           'method', CASE WHEN kind = 'REAL' THEN 'HUMAN_COLLECTION' WHEN p = 0 THEN 'SIMULATION' WHEN kind = 'HYBRID' THEN 'AUGMENTATION' ELSE 'LLM_GENERATION' END,
           'generator', CASE WHEN kind = 'SYNTHETIC' AND p > 0 THEN jsonb_build_object('model', 'bench-llm', 'version', '1', 'provider', 'bench') END,
           'sources', CASE WHEN p > 0 THEN jsonb_build_array(jsonb_build_object('versionId', ${dsvIdSql('d - 1', 'n')}, 'role', 'SEED', 'rowsUsed', 1000)) ELSE '[]'::jsonb END,
           'realFraction', ${realSql}, 'curation', '[]'::jsonb,
           'collectionMethod', CASE WHEN kind = 'REAL' THEN 'CROWDSOURCING' END, 'consentBasis', CASE WHEN kind = 'REAL' THEN 'EXPLICIT_CONSENT' END),
         now()
       FROM bench_plan, generate_series(1, ${VERSIONS_PER_DATASET}) n`,
    );
    await step(
      'version_lineage',
      `INSERT INTO version_lineage (version_id, generation_depth, real_fraction, human_reviewed_fraction, own_terms, inherited_terms,
         attribution_label, attributions, real_root_ids, collapse_risk, collapse_reasons, computed_at)
       SELECT ${dsvIdSql('d', 'n')}, ${depthSql}, ${realSql}, CASE WHEN kind = 'REAL' THEN 0 ELSE (d % 10) / 20.0 END, t.terms, t.terms,
         'Dataset ' || d || ' by vendor ' || vendor, CASE WHEN ${terms.attribution} THEN ARRAY['Dataset ' || d || ' by vendor ' || vendor] ELSE '{}' END,
         CASE WHEN p > 0 THEN ARRAY[${dsvIdSql('d - p', 'n')}] WHEN kind = 'REAL' THEN ARRAY[${dsvIdSql('d', 'n')}] ELSE '{}' END,
         (${riskSql})::collapse_risk_level,
         CASE WHEN ${depthSql} >= 2 THEN ARRAY[${depthSql} || ' generations deep'] ELSE '{}' END, now()
       FROM bench_plan, generate_series(1, ${VERSIONS_PER_DATASET}) n,
         LATERAL (SELECT jsonb_build_object('spdxId', NULLIF(${pick(SPDX, 'd')}, ''), 'commercialUse', ${terms.commercial}, 'modelTraining', ${terms.training},
           'derivatives', ${terms.derivatives}, 'syntheticGeneration', ${terms.synthetic}, 'redistribution', ${terms.redistribution},
           'attributionRequired', ${terms.attribution}) AS terms) t`,
    );
    // Every (ancestor, descendant) pair of every chain, with the self rows, in primary-key order.
    const closureRows = await step(
      'lineage_closure',
      `INSERT INTO lineage_closure (ancestor_id, descendant_id, depth)
       SELECT ${dsvIdSql('d - k', 'n')}, ${dsvIdSql('d', 'n')}, k
       FROM bench_plan, generate_series(1, ${VERSIONS_PER_DATASET}) n, generate_series(0, p) k
       ORDER BY 2, 1`,
    );
    // 1 to 3 offers per listing: FREE (open terms) or ONE_TIME, a monthly SUBSCRIPTION, a metered USAGE; a few archived.
    const offers = await step(
      'offers',
      `INSERT INTO offers (id, dataset_id, vendor_id, name, pricing_model, currency, amount_cents, term_days, billing_interval,
         usage_unit, unit_amount_cents, included_units, usage_cap, spdx_id, commercial_use, model_training, derivatives,
         synthetic_generation, redistribution, attribution_required, version_scope, requires_approval, royalty_bps, active,
         archived_at, created_at, updated_at)
       SELECT 'off_' || lpad((num * 3 + o)::text, 26, '0'), ${dsIdSql('d')}, ${orgIdSql('vendor')},
         (ARRAY['Standard license', 'Team subscription', 'Pay as you go'])[o + 1],
         m::pricing_model,
         CASE m WHEN 'FREE' THEN NULL WHEN 'SUBSCRIPTION' THEN 'eur' ELSE 'usd' END,
         CASE m WHEN 'ONE_TIME' THEN 10000 + (d % 50) * 1000 WHEN 'SUBSCRIPTION' THEN 4999 END,
         CASE m WHEN 'ONE_TIME' THEN 365 END,
         CASE m WHEN 'SUBSCRIPTION' THEN 'MONTHLY'::billing_interval END,
         CASE m WHEN 'USAGE' THEN 'GIGABYTE'::usage_unit END,
         CASE m WHEN 'USAGE' THEN 25 END, CASE m WHEN 'USAGE' THEN 10 END, CASE m WHEN 'USAGE' THEN 1000 END,
         NULLIF(${pick(SPDX, 'd')}, ''), ${terms.commercial}, ${terms.training}, ${terms.derivatives}, ${terms.synthetic},
         ${terms.redistribution}, ${terms.attribution}, 'ALL', d % 10 = 0, CASE WHEN o = 0 AND d % 9 = 0 THEN 500 END,
         NOT (o = 1 AND d % 20 = 3), CASE WHEN o = 1 AND d % 20 = 3 THEN now() - interval '10 days' END,
         now() - (${DATASETS} - num) * interval '5 minutes', now() - (${DATASETS} - num) * interval '5 minutes'
       FROM bench_plan, generate_series(0, 2) o,
         LATERAL (SELECT CASE o WHEN 0 THEN CASE WHEN d % 8 IN (0, 1) THEN 'FREE' ELSE 'ONE_TIME' END WHEN 1 THEN 'SUBSCRIPTION' ELSE 'USAGE' END AS m) pm
       WHERE o <= d % 3`,
    );
    // A buyer organization and its user, for licenses and access tokens.
    await client.query(
      `INSERT INTO organizations (id, slug, name, kind, created_at) VALUES ($1, 'bench-buyer', 'Bench Buyer', 'BUYER', now())`,
      [BUYER_ORG],
    );
    await client.query(
      `INSERT INTO users (id, email, name, organization_id, org_role, created_at) VALUES ($1, 'buyer@bench.example', 'Bench Buyer', $2, 'OWNER', now())`,
      [BUYER_USER, BUYER_ORG],
    );
    await client.query('COMMIT');
    return { datasets, versions, closureRows, offers, vendors };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Fresh statistics (and visibility maps) after the bulk load, as autovacuum would eventually provide. */
export async function analyzeCatalog(client: pg.PoolClient): Promise<void> {
  await client.query(
    'VACUUM ANALYZE organizations, users, datasets, dataset_versions, data_files, lineage_edges, lineage_closure, version_lineage, version_provenance, offers',
  );
}
