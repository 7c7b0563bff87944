import net from 'node:net';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { CREATE_VERSION, ok, publishDataset, signUp, versionInput, type Org } from './support/fixtures.js';

/**
 * Throws a few thousand malformed and hostile requests at the running server, from a fixed seed so a failure
 * replays exactly. Every answer must be a deliberate 4xx (or 2xx with GraphQL errors): no 5xx but a deliberate
 * 503, no INTERNAL_SERVER_ERROR (a client's garbage is the client's error), and nothing internal in any body.
 */
const SEED = 0x5eed_2026;
const REQUESTS = 3000;
const CONCURRENCY = 6;

/** mulberry32: a tiny seeded PRNG, good enough to pick cases reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

/** Strings that have broken servers before: NULs, lone surrogates, direction marks, injections, paths. */
const NASTY = [
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\uD83D\uDE00',
  '\u202E',
  '\u200F',
  '\u200B',
  '\uFEFF',
  'e\u0301\u0301\u0301',
  '\u{10FFFF}',
  '\uFFFF',
  '\uFFFE',
  '\u2028\u2029',
  '\u0085',
  '\r\n',
  '\t',
  '\u001b[31m',
  '\u007f',
  '\\',
  '"',
  "'",
  '`',
  '${7*7}',
  '{{7*7}}',
  '%s%n%x',
  '%00',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  "'; DROP TABLE datasets; --",
  "' OR '1'='1",
  '<script>alert(1)</script>',
  'İıß',
  'ﷺ',
  '𝕬𝖘𝖘𝖆𝖞',
  '   ',
  '',
  '-',
  'a/b',
  'ds_',
  'ds_00000000000000000000000000',
  'org_zzzzzzzzzzzzzzzzzzzzzzzzzz',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '1e309',
  '-0',
  '🏳️‍🌈',
];

function garbageString(rng: Rng): string {
  if (rng.chance(0.03)) return rng.pick(NASTY).repeat(1 + rng.int(20_000));
  if (rng.chance(0.1)) return 'x'.repeat(rng.pick([64, 65, 100, 101, 200, 201, 1000, 5001, 10_001]));
  let s = '';
  const parts = 1 + rng.int(6);
  for (let i = 0; i < parts; i++) {
    if (rng.chance(0.3)) s += String.fromCharCode(rng.int(0x10000));
    else s += rng.pick(NASTY);
    if (rng.chance(0.3)) s += rng.pick(['abc', 'vendor', 'speech', '1.0.0', 'data/train.parquet']);
  }
  return s;
}

function wrongTypeValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 8 : 10)) {
    case 0:
      return null;
    case 1:
      return rng.pick([0, -1, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MIN_VALUE]);
    case 2:
      return rng.pick([true, false]);
    case 3:
      return garbageString(rng);
    case 4:
      return '';
    case 5:
      return rng.pick(['REAL', 'PIRATE', 'published', 'VENDOR']);
    case 6:
      // Own `__proto__` keys, as JSON.parse makes them (an object literal would set the prototype instead).
      return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    case 7:
      return [];
    case 8:
      return Array.from({ length: 1 + rng.int(4) }, () => wrongTypeValue(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: 1 + rng.int(4) }, (_, i) => [`k${i}`, wrongTypeValue(rng, depth + 1)]));
  }
}

/** A value nested `depth` levels deep, as JSON text (built as text: JSON.stringify itself would overflow). */
const deepJson = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;
const deepObjectJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

interface Pools {
  ids: string[];
  slugs: string[];
  keys: (string | undefined)[];
}

function scalarValue(rng: Rng, name: string, pools: Pools): unknown {
  if (rng.chance(0.35)) return garbageString(rng);
  switch (name) {
    case 'ID':
      return rng.pick(pools.ids);
    case 'String':
      return rng.chance(0.5) ? rng.pick(pools.slugs) : rng.pick(['Speech corpus', 'CC-BY-4.0', 'data/a.parquet', 'a@b.example', '1.0.0']);
    case 'Int':
      return rng.pick([0, 1, -1, 20, 100, 101, 2 ** 31, 1.5, '5']);
    case 'Float':
      return rng.pick([0, 0.5, -1, 1e308, 'NaN', 1]);
    case 'Boolean':
      return rng.pick([true, false, 'true', 1]);
    case 'DateTime':
      return rng.pick(['2026-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00.000Z', 'yesterday', 0, '2026-01-01']);
    case 'BigInt':
      return rng.pick(['1', '-1', '99999999999999999999999', 1e21, 'abc', '1e3', '0x10', '9007199254740993']);
    case 'JSON':
      return rng.chance(0.5) ? [{ id: '1', text: garbageString(rng) }] : wrongTypeValue(rng);
    default:
      return garbageString(rng);
  }
}

/** A value for an input type: mostly the right shape with hostile leaves, sometimes the wrong type outright. */
function inputValue(rng: Rng, type: GraphQLInputType, pools: Pools, depth = 0): unknown {
  if (rng.chance(0.06)) return wrongTypeValue(rng);
  if (isNonNullType(type)) return inputValue(rng, type.ofType, pools, depth);
  if (rng.chance(0.05)) return null;
  if (isListType(type)) {
    const n = rng.chance(0.05) ? 200 + rng.int(2000) : rng.int(4);
    return Array.from({ length: n }, () => inputValue(rng, type.ofType, pools, depth + 1));
  }
  if (isEnumType(type)) return rng.chance(0.85) ? rng.pick(type.getValues()).name : garbageString(rng);
  if (isInputObjectType(type)) {
    if (depth > 4) return {};
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (rng.chance(isNonNullType(field.type) ? 0.97 : 0.7)) out[field.name] = inputValue(rng, field.type, pools, depth + 1);
    }
    if (rng.chance(0.05)) out[garbageString(rng)] = 1;
    return out;
  }
  if (isScalarType(type)) return scalarValue(rng, type.name, pools);
  return null;
}

/** Leaf fields of an object type without required arguments, for a selection. */
const leaves = (type: GraphQLObjectType) =>
  Object.values(type.getFields()).filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some((a) => isNonNullType(a.type)));

function selectionFor(field: GraphQLField<unknown, unknown>, level = 0): string {
  const named = getNamedType(field.type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return '{ __typename }';
  const parts = ['__typename', ...leaves(named).map((f) => f.name)];
  if (level === 0) {
    for (const child of Object.values(named.getFields())) {
      const childType = getNamedType(child.type);
      if (isObjectType(childType) && !child.args.some((a) => isNonNullType(a.type)) && !childType.name.endsWith('Connection')) {
        parts.push(`${child.name} ${selectionFor(child, 1)}`);
      }
    }
  }
  return `{ ${parts.join(' ')} }`;
}

/** Calls one root field of the schema with hostile arguments, as variables. */
function schemaOperation(rng: Rng, schema: GraphQLSchema, pools: Pools) {
  const kind = rng.chance(0.5) ? 'mutation' : 'query';
  const root = kind === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  const field = rng.pick(Object.values(root.getFields()));
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  const args: string[] = [];
  field.args.forEach((arg, i) => {
    if (!isNonNullType(arg.type) && rng.chance(0.3)) return;
    definitions.push(`$a${i}: ${String(arg.type)}`);
    args.push(`${arg.name}: $a${i}`);
    variables[`a${i}`] = inputValue(rng, arg.type, pools);
  });
  const vars = definitions.length ? `(${definitions.join(', ')})` : '';
  const call = args.length ? `(${args.join(', ')})` : '';
  return { query: `${kind} Fuzz${vars} { ${field.name}${call} ${selectionFor(field)} }`, variables };
}

/** Percent-encodes any string, lone surrogates included (encodeURIComponent throws on those). */
const enc = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');

interface FuzzRequest {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const json = (key?: string) => ({ 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) });

function graphqlPost(label: string, payload: unknown, key?: string): FuzzRequest {
  return { label, method: 'POST', path: '/graphql', headers: json(key), body: JSON.stringify(payload) };
}

const GRAPHQL_VOCABULARY = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ':',
  '$',
  '@',
  '...',
  '!',
  '=',
  '|',
  '&',
  'query',
  'mutation',
  'subscription',
  'fragment',
  'on',
  'datasets',
  'dataset',
  'node',
  'id',
  'nodes',
  'first',
  'input',
  '"s"',
  '"""block"""',
  '1',
  '-0',
  '1.5e3',
  'true',
  'null',
  'Int',
  'String!',
  '__typename',
  '__schema',
  '#comment\n',
  'é',
  '\u0000',
  '\uD800',
];

function tokenSoup(rng: Rng): string {
  return Array.from({ length: 1 + rng.int(60) }, () => rng.pick(GRAPHQL_VOCABULARY)).join(rng.pick([' ', '', '\n', ',']));
}

function hostileRequest(rng: Rng, schema: GraphQLSchema, pools: Pools): FuzzRequest {
  const key = rng.pick(pools.keys);
  const roll = rng.int(100);
  if (roll < 30) {
    return graphqlPost('schema operation', schemaOperation(rng, schema, pools), key);
  }
  if (roll < 40) {
    const good = JSON.stringify({ query: '{ datasets { totalCount } }', variables: { a: 1 } });
    const at = rng.int(good.length);
    const broken = rng.pick([
      good.slice(0, at),
      good.slice(0, at) + garbageString(rng) + good.slice(at),
      good.replace(/"/g, "'"),
      `${good},`,
      `\uFEFF${good}`,
      good.replace('{', '{"query":1,'),
      '{"query": "{ __typename }", "query": "{ x }"}',
      '{"__proto__": {"query": "{ __typename }"}}',
      '{"constructor": {"prototype": {"polluted": true}}, "query": "{ __typename }"}',
      'null',
      'true',
      '42',
      '"{ __typename }"',
      '[]',
      '[[]]',
      '{}',
      JSON.stringify({ query: null }),
      JSON.stringify({ query: '{ __typename }', variables: 'a=1' }),
      JSON.stringify({ query: '{ __typename }', variables: [1] }),
      JSON.stringify({ query: '{ __typename }', operationName: 7 }),
      JSON.stringify({ query: '{ __typename }', extensions: 'x' }),
      JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } }),
      JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: garbageString(rng) } } }),
      JSON.stringify({ extensions: { persistedQuery: { version: 1 } } }),
      JSON.stringify([{ query: '{ __typename }' }]),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('latin1'),
    ]);
    return { label: 'broken JSON', method: 'POST', path: '/graphql', headers: json(key), body: broken };
  }
  if (roll < 46) {
    const contentType = rng.pick([
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=xyz',
      'application/x-www-form-urlencoded',
      'application/graphql',
      'application/graphql-response+json',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/json, text/html',
      'application/JSON',
      ' application/json ',
      'application/json;;;',
      'ïnvalid/type',
      '*/*',
      'application/octet-stream',
    ]);
    const body = rng.chance(0.5) ? JSON.stringify({ query: '{ __typename }' }) : 'query=%7B__typename%7D';
    return { label: `content type ${contentType}`, method: 'POST', path: '/graphql', headers: { 'content-type': contentType }, body };
  }
  if (roll < 49) {
    const headers: Record<string, string> = rng.chance(0.7) ? { 'content-type': 'application/json' } : {};
    return {
      label: 'empty body',
      method: rng.pick(['POST', 'POST', 'PUT', 'PATCH', 'DELETE']),
      path: '/graphql',
      headers,
      body: rng.chance(0.5) ? '' : undefined,
    };
  }
  if (roll < 57) {
    return graphqlPost(
      'invalid document',
      {
        query: tokenSoup(rng),
        variables: rng.chance(0.5) ? { a: wrongTypeValue(rng) } : undefined,
        operationName: rng.chance(0.2) ? garbageString(rng) : undefined,
      },
      key,
    );
  }
  if (roll < 60) {
    const size = rng.pick([100_000, 400_000, 900_000, 1_100_000, 3_000_000]);
    const where = rng.int(3);
    const big = rng
      .pick(NASTY.filter((s) => s.length > 0))
      .repeat(Math.ceil(size / 4))
      .slice(0, size);
    const payload =
      where === 0
        ? { query: `{ datasets(filter: { search: ${JSON.stringify(big)} }) { totalCount } }` }
        : where === 1
          ? { query: 'query($s: String) { dataset(slug: $s) { id } }', variables: { s: big } }
          : { query: `# ${big}\n{ __typename }` };
    return graphqlPost(`huge string ${size}`, payload, key);
  }
  if (roll < 66) {
    const depth = rng.pick([50, 500, 2000, 10_000, 100_000]);
    const shape = rng.int(5);
    if (shape === 0) {
      const chain = Array.from({ length: Math.min(depth, 2000) }, (_, i) => (i % 2 === 0 ? 'dataset' : 'latestVersion'));
      return graphqlPost(
        `deep selection ${depth}`,
        { query: `{ datasets { nodes { latestVersion { ${chain.join(' { ')} { id ${'} '.repeat(chain.length)} } } } }` },
        key,
      );
    }
    if (shape === 1)
      return graphqlPost(`deep list literal ${depth}`, { query: `{ nodes(ids: ${deepJson(Math.min(depth, 5000))}) { id } }` }, key);
    const body =
      shape === 2
        ? `{"query":"mutation($i: CreateDatasetVersionInput!) { createDatasetVersion(input: $i) { __typename } }","variables":{"i":{"datasetId":"${rng.pick(pools.ids)}","version":"1.0.0","sample":${deepJson(depth)}}}}`
        : shape === 3
          ? `{"query":"query($f: DatasetFilter) { datasets(filter: $f) { totalCount } }","variables":{"f":${deepObjectJson(depth)}}}`
          : `{"query":"{ __typename }","extensions":${deepJson(depth)}}`;
    return { label: `deep JSON ${depth} (${shape})`, method: 'POST', path: '/graphql', headers: json(key), body };
  }
  if (roll < 71) {
    const n = rng.pick([31, 100, 1000, 5000]);
    const inner = rng.pick([
      '__typename',
      'datasets(first: 100) { nodes { id vendor { name } } }',
      'viewer { user { id } }',
      'node(id: "ds_x") { id }',
    ]);
    const flood = Array.from({ length: n }, (_, i) => `a${i}: ${inner}`).join(' ');
    return graphqlPost(
      `alias flood ${n}`,
      {
        query: rng.chance(0.5)
          ? `{ ${flood} }`
          : `{ datasets { nodes { ${flood.replaceAll('datasets(first: 100)', 'versions(first: 100)')} } } }`,
      },
      key,
    );
  }
  if (roll < 80) {
    // Real operations, every argument a wrong type or hostile text.
    const ops = [
      ['query($s: String) { dataset(slug: $s) { id title } }', 's'],
      ['query($id: ID) { dataset(id: $id) { id title } }', 'id'],
      ['query($id: ID!) { node(id: $id) { id } }', 'id'],
      ['query($ids: [ID!]!) { nodes(ids: $ids) { id } }', 'ids'],
      [
        'query($f: DatasetFilter, $a: String, $n: Int, $o: DatasetOrder) { datasets(filter: $f, after: $a, first: $n, orderBy: $o) { totalCount nodes { id } } }',
        'f',
      ],
      ['query($s: String!) { organization(slug: $s) { id } }', 's'],
      ['query($id: ID!) { datasetVersion(id: $id) { id files { path } } }', 'id'],
    ] as const;
    const [query, name] = rng.pick(ops);
    const value = rng.chance(0.5)
      ? wrongTypeValue(rng)
      : name === 'f'
        ? { search: garbageString(rng), tags: [garbageString(rng)], vendor: garbageString(rng) }
        : name === 'ids'
          ? [garbageString(rng)]
          : garbageString(rng);
    return graphqlPost(
      'wrong variable',
      {
        query,
        variables: { [name]: value, ...(rng.chance(0.3) ? { n: wrongTypeValue(rng), a: garbageString(rng), o: garbageString(rng) } : {}) },
      },
      key,
    );
  }
  if (roll < 88) {
    // Unicode garbage in every string of real mutations' inputs.
    const op = rng.int(4);
    const g = () => (rng.chance(0.7) ? garbageString(rng) : rng.pick(pools.slugs));
    if (op === 0) {
      return graphqlPost('createOrganization garbage', {
        query: 'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id slug name } } }',
        variables: {
          input: { name: g(), slug: g(), kind: rng.pick(['VENDOR', 'BUYER']), owner: { name: g(), email: `${g()}@${g()}.example` } },
        },
      });
    }
    if (op === 1) {
      return graphqlPost(
        'createDataset garbage',
        {
          query: 'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { dataset { id slug title tags } } }',
          variables: {
            input: {
              slug: g(),
              title: g(),
              summary: g(),
              description: g(),
              kind: 'SYNTHETIC',
              modality: 'TEXT',
              tags: [g(), g()],
              terms: {
                spdxId: g(),
                commercialUse: true,
                modelTraining: true,
                derivatives: true,
                syntheticGeneration: true,
                redistribution: false,
                attributionRequired: true,
              },
            },
          },
        },
        pools.keys[1],
      );
    }
    if (op === 2) {
      const input = versionInput(rng.pick(pools.ids), {
        version: g(),
        format: g(),
        changelog: g(),
        columns: [{ name: g(), type: g(), description: g() }],
        sample: [{ [g()]: g() }],
        files: [{ path: g(), byteSize: rng.pick(['1', g()]), sha256: g(), rowCount: '1' }],
      });
      return graphqlPost('createDatasetVersion garbage', { query: CREATE_VERSION, variables: { input } }, pools.keys[1]);
    }
    return graphqlPost(
      'createApiKey garbage',
      { query: 'mutation($n: String!) { createApiKey(input: { name: $n }) { apiKey { id name } } }', variables: { n: g() } },
      pools.keys[2],
    );
  }
  if (roll < 95) {
    const params = rng.pick([
      `query=${enc(tokenSoup(rng))}`,
      `query=${enc('{ __typename }')}&variables=not-json`,
      `query=${enc('{ __typename }')}&variables=${enc('[1,2]')}`,
      `query=${enc('{ __typename }')}&extensions=%7B`,
      `query=${enc('{ __typename }')}&query=${enc('{ nope }')}`,
      `query[]=a&query[]=b`,
      `query=%E0%A4%A`,
      `query=%`,
      `%%%%`,
      `query=${enc('mutation { createApiKey(input: { name: "x" }) { secret } }')}`,
      `query=${enc('{ __typename }')}&operationName=${enc(garbageString(rng))}`,
      `query=${enc(`{ dataset(slug: ${JSON.stringify(garbageString(rng))}) { id } }`)}`,
      `query=${'a'.repeat(rng.pick([1000, 7000]))}`,
      `query=${enc('{ __typename }')}&${'x=1&'.repeat(2000)}`,
      ``,
      `=`,
      `&&&`,
      `query=%00%00`,
      `query=%ED%A0%80`,
    ]);
    const path = rng.pick([
      '/graphql',
      '/graphql',
      '/graphql/',
      '/GRAPHQL',
      '/graphql;x',
      '//graphql',
      '/graphql%00',
      '/./graphql',
      '/%2e%2e/graphql',
    ]);
    const headers: Record<string, string> = rng.chance(0.7) ? { 'apollo-require-preflight': 'true' } : {};
    if (rng.chance(0.2))
      headers.accept = rng.pick(['text/html', 'application/graphql-response+json', 'multipart/mixed', '*/*;q=0', 'application/json;q=abc']);
    if (key) headers.authorization = `Bearer ${key}`;
    return {
      label: `GET ${path}?${params.slice(0, 60)}`,
      method: rng.pick(['GET', 'GET', 'GET', 'HEAD', 'OPTIONS']),
      path: `${path}?${params}`,
      headers,
    };
  }
  // The other routes, with odd paths, methods and headers.
  const path = rng.pick([
    '/',
    `/?${garbageString(rng).slice(0, 50)}`,
    '/healthz',
    '/metrics',
    '/.well-known/jwks.json',
    `/data/${enc(garbageString(rng).slice(0, 100))}/${enc(garbageString(rng).slice(0, 100))}`,
    `/data/dsv_00000000000000000000000000/../../etc/passwd`,
    `/uploads/${enc(garbageString(rng).slice(0, 100))}`,
    '/uploads/up_00000000000000000000000000',
    '/webhooks/stripe',
    `/${enc(garbageString(rng).slice(0, 200))}`,
    '/%c0%ae%c0%ae/',
  ]);
  const headers: Record<string, string> = {};
  if (rng.chance(0.5))
    headers.authorization = rng.pick([
      'Bearer',
      'Bearer ',
      'Basic Zm9vOmJhcg==',
      `Bearer ${'a'.repeat(5000)}`,
      'Bearer eyJhbGciOiJub25lIn0.e30.',
      `Bearer ${rng.pick(pools.keys) ?? 'x'}`,
    ]);
  if (rng.chance(0.3))
    headers.range = rng.pick(['bytes=0-', 'bytes=-1', 'bytes=5-1', 'bytes=0-1,2-3', 'bytes=99999999999999999999-', 'items=0-1', 'bytes=']);
  if (rng.chance(0.2)) headers['stripe-signature'] = rng.pick(['t=1,v1=abc', '', 'garbage', `t=${'9'.repeat(30)},v1=`]);
  const method = rng.pick(['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD']);
  const body =
    method === 'GET' || method === 'HEAD'
      ? undefined
      : rng.chance(0.5)
        ? Buffer.from(garbageString(rng))
        : JSON.stringify(wrongTypeValue(rng));
  if (body !== undefined) headers['content-type'] = rng.pick(['application/json', 'application/octet-stream', 'text/plain']);
  return { label: `${method} other route`, method, path, headers, body };
}

/** What no response body may contain: stack traces, source paths, SQL, driver and runtime error names. */
const INTERNALS: [string, RegExp][] = [
  ['stack frame', /\bat [\w.<>]+ \(|\.(ts|js|mjs):\d+:\d+/],
  ['file path', /\/(work|tmp|home|usr|node_modules|src)\/|[A-Z]:\\\\/],
  [
    'runtime error name',
    /\b(TypeError|ReferenceError|RangeError|EvalError|Maximum call stack|Cannot read propert|is not a function|undefined is not)\b/,
  ],
  [
    'SQL',
    /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b|syntax error at or near|violates .* constraint|relation "|column "|duplicate key|invalid byte sequence|invalid input syntax|unsupported Unicode escape|\bpg_\w+|postgres/i,
  ],
  ['driver error', /\bECONN\w+|ETIMEDOUT|drizzle|DrizzleError|DatabaseError/],
];

const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'PAYMENT_REQUIRED',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

interface Outcome {
  status: number;
  text: string;
  contentType: string;
}

async function send(app: TestApp, request: FuzzRequest): Promise<Outcome> {
  const res = await fetch(`${app.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(20_000),
  });
  return {
    status: res.status,
    text: request.method === 'HEAD' ? '' : await res.text(),
    contentType: res.headers.get('content-type') ?? '',
  };
}

/** Raw HTTP that no client library would send; the server must answer 4xx or close, never crash. */
const RAW_REQUESTS = [
  'GET /graphql HTTP/1.1\r\nHost: a b c\r\n\r\n',
  'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: [::1\r\napollo-require-preflight: 1\r\n\r\n',
  'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: ::::\r\napollo-require-preflight: 1\r\n\r\n',
  'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: %00\r\napollo-require-preflight: 1\r\n\r\n',
  'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: \u00ff\u00fe\r\napollo-require-preflight: 1\r\n\r\n',
  'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: garbage, \u00ff\r\napollo-require-preflight: 1\r\n\r\n',
  'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":"{ __typename }"}',
  'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"query":"{ __typename }"}',
  'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}',
  'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}',
  'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}',
  'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}',
  'GET /graphql HTTP/1.0\r\n\r\n',
  'GET http://evil.example/graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\napollo-require-preflight: 1\r\n\r\n',
  'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
  'BREW /graphql HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /graphql HTTP/9.9\r\nHost: x\r\n\r\n',
  'GET /graphql\r\n\r\n',
  '\r\n\r\n\r\n',
  'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
  `GET /graphql HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`,
  `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00e9\u00e9\u00e9\r\napollo-require-preflight: 1\r\n\r\n',
];

function sendRaw(app: TestApp, raw: string): Promise<string> {
  const { port } = new URL(app.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let data = '';
    const done = () => {
      socket.destroy();
      resolve(data);
    };
    socket.setTimeout(3000, done);
    socket.on('data', (d) => {
      data += d.toString('latin1');
      // One response is enough; keep-alive would otherwise hold the socket open.
      if (/\r\n\r\n/.test(data) && (/content-length: 0\r\n/i.test(data) || /\r\n\r\n[\s\S]+/.test(data))) done();
    });
    socket.on('error', done);
    socket.on('end', done);
    socket.write(Buffer.from(raw, 'latin1'));
  });
}

let app: TestApp;
let schema: GraphQLSchema;
let pools: Pools;
let vendor: Org;
let published: { datasetId: string; versionId: string };

beforeAll(async () => {
  app = await startTestApp();
  vendor = await signUp(app, 'VENDOR');
  const buyer = await signUp(app, 'BUYER');
  published = await publishDataset(app, vendor, { title: 'Fuzz baseline corpus' });
  schema = buildClientSchema(ok(await app.gql<IntrospectionQuery>(getIntrospectionQuery())));
  pools = {
    ids: [published.datasetId, published.versionId, vendor.id, buyer.id, vendor.ownerId, 'ds_00000000000000000000000000', 'x', '', 'ds_'],
    slugs: [vendor.slug, `${vendor.slug}/nope`, 'fuzz', 'a', 'speech'],
    // No key, the vendor's, the buyer's, an admin's, an invented one, a malformed one.
    keys: [undefined, vendor.key, buyer.key, ADMIN_KEY, 'ak_invented_but_well_formed_key_0000000', 'not-a-key'],
  };
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe('fuzzing', () => {
  it(`survives ${REQUESTS} hostile requests (seed ${SEED}) with deliberate answers only, then still works`, async () => {
    const rng = prng(SEED);
    const requests = Array.from({ length: REQUESTS }, () => hostileRequest(rng, schema, pools));
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    const describe = (i: number, r: FuzzRequest, why: string, text: string) =>
      `#${i} ${r.label} ${r.method} ${r.path.slice(0, 120)} -> ${why}: ${text.slice(0, 300)} | body: ${String(r.body ?? '').slice(0, 300)}`;

    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const request = requests[i]!;
        let outcome: Outcome;
        try {
          outcome = await send(app, request);
        } catch (err) {
          problems.push(describe(i, request, 'no response', String((err as Error).cause ?? err)));
          continue;
        }
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        if (outcome.status >= 500 && outcome.status !== 503) problems.push(describe(i, request, `status ${outcome.status}`, outcome.text));
        for (const [what, pattern] of INTERNALS) {
          if (pattern.test(outcome.text)) problems.push(describe(i, request, `leaks ${what}`, outcome.text));
        }
        if (outcome.contentType.includes('json') && outcome.text.includes('"errors"')) {
          const errors = (JSON.parse(outcome.text) as { errors?: { extensions?: { code?: string } }[] }).errors ?? [];
          for (const e of errors) {
            const code = e.extensions?.code ?? '(none)';
            if (!PUBLIC_CODES.has(code)) problems.push(describe(i, request, `error code ${code}`, outcome.text));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    for (const raw of RAW_REQUESTS) {
      const answer = await sendRaw(app, raw);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
      if (status >= 500 && status !== 503) problems.push(`raw ${JSON.stringify(raw.slice(0, 80))} -> ${answer.slice(0, 300)}`);
      for (const [what, pattern] of INTERNALS) {
        if (pattern.test(answer.slice(answer.indexOf('\r\n\r\n'))))
          problems.push(`raw ${JSON.stringify(raw.slice(0, 80))} leaks ${what}: ${answer.slice(0, 300)}`);
      }
    }

    expect(problems.slice(0, 15), `${problems.length} problems; statuses ${JSON.stringify([...statuses])}`).toEqual([]);
    // Most requests must have been refused for a reason, not all waved through or all dropped.
    expect(statuses.get(200)).toBeGreaterThan(REQUESTS / 10);
    expect(statuses.get(400)).toBeGreaterThan(REQUESTS / 10);

    // Afterwards the server answers normally and correctly.
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    const found = ok(
      await app.gql(`query($s: String) { dataset(slug: $s) { id title } }`, { s: `${vendor.slug}/${await slugOf(published.datasetId)}` }),
    );
    expect(found.dataset).toEqual({ id: published.datasetId, title: 'Fuzz baseline corpus' });
    const fresh = await signUp(app, 'BUYER');
    expect(ok(await app.gql(`{ viewer { organization { id } } }`, {}, fresh.key)).viewer.organization.id).toBe(fresh.id);
  }, 180_000);
});

async function slugOf(datasetId: string): Promise<string> {
  return ok(await app.gql(`query($id: ID!) { node(id: $id) { ... on Dataset { slug } } }`, { id: datasetId })).node.slug;
}
