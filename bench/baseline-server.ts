/**
 * The benchmark's practical ceiling: a bare `node:http` server with a `pg` pool and hand-written SQL that answers
 * the same requests as the GraphQL scenarios with byte-for-byte the same JSON (the harness checks), plus a
 * hello-world and a plain file streamer. No framework, no validation, no authentication: what is left when
 * everything but the work itself is taken away.
 *
 * Environment: BENCH_DATABASE_URL, BENCH_FILES (JSON `{ "name": "/absolute/path" }`). Prints `LISTENING <port>`.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10, application_name: 'assay-bench-baseline' });
const files = new Map(
  Object.entries(JSON.parse(process.env.BENCH_FILES ?? '{}') as Record<string, string>).map(([name, file]) => [
    name,
    { file, size: fs.statSync(file).size },
  ]),
);

const cursor = (order: string, keys: (string | number)[]) => Buffer.from(JSON.stringify([order, keys])).toString('base64url');

/** Catalog rows with vendor, latest version, its lineage summary, retracted ancestors and active offers: one statement. */
const pageSql = (page: string, order: string) => `
  SELECT d.id, d.slug, d.title, d.summary, d.kind, d.modality, d.tags, d.published_at, d.rank,
    d.spdx_id, d.commercial_use, d.model_training, d.derivatives, d.synthetic_generation, d.redistribution, d.attribution_required,
    o.id AS vendor_id, o.slug AS vendor_slug, o.name AS vendor_name,
    v.id AS version_id, v.version, v.status AS version_status, v.row_count, v.byte_size, v.published_at AS version_published_at,
    l.generation_depth, l.real_fraction, l.human_reviewed_fraction, l.collapse_risk,
    EXISTS (SELECT 1 FROM lineage_closure c JOIN dataset_versions a ON a.id = c.ancestor_id
            WHERE c.descendant_id = v.id AND c.depth >= 1 AND a.status = 'RETRACTED') AS retracted,
    coalesce((SELECT json_agg(json_build_object('id', f.id, 'name', f.name, 'pricingModel', f.pricing_model, 'currency', f.currency,
        'amountCents', f.amount_cents, 'usageUnit', f.usage_unit, 'unitAmountCents', f.unit_amount_cents) ORDER BY f.id)
      FROM offers f WHERE f.dataset_id = d.id AND f.active), '[]') AS offers
  FROM (${page}) d
  JOIN organizations o ON o.id = d.vendor_id
  LEFT JOIN dataset_versions v ON v.id = d.latest_version_id
  LEFT JOIN version_lineage l ON l.version_id = v.id
  ORDER BY ${order}`;

const DATASET_COLUMNS = `id, vendor_id, slug, title, summary, kind, modality, tags, published_at, latest_version_id, spdx_id, commercial_use,
  model_training, derivatives, synthetic_generation, redistribution, attribution_required`;

const CATALOG_SQL = pageSql(
  `SELECT ${DATASET_COLUMNS}, NULL::real AS rank FROM datasets WHERE status = 'PUBLISHED' ORDER BY id DESC LIMIT $1`,
  'd.id DESC',
);

const SEARCH_FILTER = `status = 'PUBLISHED' AND search @@ websearch_to_tsquery('english', $1) AND kind = ANY($2::dataset_kind[])
  AND modality = ANY($3::modality[]) AND commercial_use AND lineage_generation_depth <= $4`;
const SEARCH_SQL = pageSql(
  `SELECT ${DATASET_COLUMNS}, ts_rank_cd(search, websearch_to_tsquery('english', $1), 32) AS rank
   FROM datasets WHERE ${SEARCH_FILTER} ORDER BY rank DESC, id LIMIT $5`,
  'd.rank DESC, d.id',
);
const SEARCH_COUNT_SQL = `SELECT count(*)::int AS n FROM datasets WHERE ${SEARCH_FILTER}`;

type Row = Record<string, any>;

function datasetNode(r: Row, withRelevance: boolean): Row {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    summary: r.summary,
    kind: r.kind,
    modality: r.modality,
    tags: r.tags,
    publishedAt: r.published_at?.toISOString() ?? null,
    ...(withRelevance ? { relevance: r.rank } : {}),
    vendor: { id: r.vendor_id, slug: r.vendor_slug, name: r.vendor_name },
    terms: {
      spdxId: r.spdx_id,
      commercialUse: r.commercial_use,
      modelTraining: r.model_training,
      derivatives: r.derivatives,
      syntheticGeneration: r.synthetic_generation,
      redistribution: r.redistribution,
      attributionRequired: r.attribution_required,
    },
    latestVersion: r.version_id
      ? {
          id: r.version_id,
          version: r.version,
          rowCount: r.row_count,
          byteSize: r.byte_size,
          publishedAt: r.version_published_at?.toISOString() ?? null,
          lineage: {
            generationDepth: r.generation_depth,
            realFraction: r.real_fraction,
            humanReviewedFraction: r.human_reviewed_fraction,
            collapseRisk: { level: r.retracted || r.version_status === 'RETRACTED' ? 'HIGH' : r.collapse_risk },
          },
        }
      : null,
    offers: r.offers,
  };
}

function connection(rows: Row[], first: number, order: 'NEWEST' | 'RELEVANCE'): Row {
  const edges = rows.slice(0, first).map((r) => ({
    cursor: order === 'NEWEST' ? cursor('NEWEST', [r.id]) : cursor('RELEVANCE', [r.rank ?? 0, r.id]),
    node: datasetNode(r, order === 'RELEVANCE'),
  }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** Ancestors by walking the parents one query per generation (what the closure table replaces). */
async function ancestorsByWalking(
  id: string,
  q: (text: string, values: unknown[]) => Promise<Row[]>,
): Promise<{ id: string; depth: number }[]> {
  const found = new Map<string, number>();
  let frontier = [id];
  for (let depth = 1; depth <= 50 && frontier.length > 0; depth++) {
    const parents = await q('SELECT version_id, source_version_id FROM lineage_edges WHERE version_id = ANY($1)', [frontier]);
    frontier = [];
    for (const p of parents) {
      if (found.has(p.source_version_id) || p.source_version_id === id) continue;
      found.set(p.source_version_id, depth);
      frontier.push(p.source_version_id);
    }
  }
  return [...found].map(([ancestor, depth]) => ({ id: ancestor, depth })).sort((a, b) => a.depth - b.depth || (a.id < b.id ? -1 : 1));
}

const VISIBLE_VERSIONS_SQL = `SELECT v.id, v.version, d.id AS dataset_id, d.title FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id
  WHERE v.id = ANY($1) AND d.status = 'PUBLISHED' AND v.status <> 'DRAFT'`;
const CLOSURE_SQL = `SELECT c.ancestor_id AS id, c.depth, v.version, d.id AS dataset_id, d.title
  FROM lineage_closure c JOIN dataset_versions v ON v.id = c.ancestor_id JOIN datasets d ON d.id = v.dataset_id
  WHERE c.descendant_id = $1 AND c.depth BETWEEN 1 AND 50 AND d.status = 'PUBLISHED' AND v.status <> 'DRAFT'
  ORDER BY c.depth, c.ancestor_id LIMIT 1000`;

async function lineage(id: string, walk: boolean, q: (text: string, values: unknown[]) => Promise<Row[]>): Promise<Row> {
  const [root] = await q(
    `SELECT v.id, v.version, d.id AS dataset_id, d.title, l.generation_depth FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id
     LEFT JOIN version_lineage l ON l.version_id = v.id WHERE v.id = $1 AND d.status = 'PUBLISHED' AND v.status <> 'DRAFT'`,
    [id],
  );
  if (!root) return { data: { datasetVersion: null } };
  let ancestors: Row[];
  if (walk) {
    const links = await ancestorsByWalking(id, q);
    const rows = new Map((await q(VISIBLE_VERSIONS_SQL, [links.map((l) => l.id)])).map((r) => [r.id, r]));
    ancestors = links.flatMap((l) => {
      const r = rows.get(l.id);
      return r ? [{ depth: l.depth, version: { id: r.id, version: r.version, dataset: { id: r.dataset_id, title: r.title } } }] : [];
    });
  } else {
    ancestors = (await q(CLOSURE_SQL, [id])).map((r) => ({
      depth: r.depth,
      version: { id: r.id, version: r.version, dataset: { id: r.dataset_id, title: r.title } },
    }));
  }
  return {
    data: {
      datasetVersion: {
        id: root.id,
        version: root.version,
        dataset: { id: root.dataset_id, title: root.title },
        lineage: { generationDepth: root.generation_depth, ancestors },
      },
    },
  };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = http.createServer((req, res) => {
  let statements = 0;
  const q = async (text: string, values: unknown[]) => {
    statements++;
    return (await pool.query(text, values)).rows as Row[];
  };
  const json = (body: unknown, status = 200) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-sql-statements': String(statements),
    });
    res.end(text);
  };
  const url = new URL(req.url ?? '/', 'http://localhost');
  void (async () => {
    switch (url.pathname) {
      case '/hello': {
        // Read the request as a GraphQL server must, answer as `{ __typename }` does.
        JSON.parse((await readBody(req)) || '{}');
        return json({ data: { __typename: 'Query' } });
      }
      case '/catalog': {
        const first = Number(url.searchParams.get('first') ?? 20);
        return json({ data: { datasets: connection(await q(CATALOG_SQL, [first + 1]), first, 'NEWEST') } });
      }
      case '/search': {
        const first = Number(url.searchParams.get('first') ?? 20);
        const f = JSON.parse(url.searchParams.get('filter') ?? '{}') as {
          search: string;
          kinds: string[];
          modalities: string[];
          maxGenerationDepth: number;
        };
        const args = [f.search, f.kinds, f.modalities, f.maxGenerationDepth];
        const [rows, count] = await Promise.all([q(SEARCH_SQL, [...args, first + 1]), q(SEARCH_COUNT_SQL, args)]);
        return json({ data: { datasets: { totalCount: count[0]!.n, ...connection(rows, first, 'RELEVANCE') } } });
      }
      case '/lineage/walk':
      case '/lineage/closure':
        return json(await lineage(url.searchParams.get('id') ?? '', url.pathname === '/lineage/walk', q));
      default: {
        const file = url.pathname.startsWith('/file/') ? files.get(url.pathname.slice('/file/'.length)) : undefined;
        if (!file) return json({ error: 'Not Found' }, 404);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.size, 'x-sql-statements': '0' });
        const stream = fs.createReadStream(file.file);
        stream.on('error', () => res.destroy());
        stream.pipe(res);
        return;
      }
    }
  })().catch((err: unknown) => {
    if (!res.headersSent) json({ error: String(err) }, 500);
    else res.destroy();
  });
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
