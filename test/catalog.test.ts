import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import {
  CREATE_DATASET,
  CREATE_VERSION,
  PUBLISH_VERSION,
  addMember,
  createDataset,
  dataFile,
  datasetInput,
  expectError,
  ok,
  publishDataset,
  sha256,
  signUp,
  uploadFiles,
  versionInput,
  type Org,
} from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
let otherVendor: Org;
let buyer: Org;

beforeAll(async () => {
  // Files are declared up to 2^53 bytes here (BigInt round trips), past the default size limit and quota.
  const huge = String(Number.MAX_SAFE_INTEGER);
  app = await startTestApp({ ASSAY_MAX_FILE_BYTES: huge, ASSAY_VENDOR_STORAGE_QUOTA_BYTES: huge });
  [vendor, otherVendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
});
afterAll(async () => {
  await app?.close();
});

const UPDATE_DATASET = `mutation($input: UpdateDatasetInput!) { updateDataset(input: $input) { dataset { id title summary tags kind terms { commercialUse } } } }`;
const UPDATE_VERSION = `mutation($input: UpdateDatasetVersionInput!) { updateDatasetVersion(input: $input) { datasetVersion { id byteSize rowCount files { path } } } }`;
const DATASET = `query($id: ID, $slug: String) { dataset(id: $id, slug: $slug) { id title status fullSlug latestVersion { id version } versions { totalCount edges { node { id status } } } } }`;

const CREATE_VERSION_WITH_SAMPLE = `mutation($input: CreateDatasetVersionInput!) { createDatasetVersion(input: $input) { datasetVersion { id sample } } }`;

describe('vendor lifecycle', () => {
  it('creates a draft, edits it, adds a version and publishes it; published versions are immutable', async () => {
    const created = ok(await app.gql(CREATE_DATASET, { input: datasetInput({ title: 'Radiology reports' }) }, vendor.key)).createDataset
      .dataset;
    expect(created.status).toBe('DRAFT');
    expect(created.fullSlug).toBe(`${vendor.slug}/${created.slug}`);

    const edited = ok(
      await app.gql(
        UPDATE_DATASET,
        { input: { id: created.id, title: 'Radiology reports (de-identified)', tags: ['Medical', 'medical', 'nlp'] } },
        vendor.key,
      ),
    ).updateDataset.dataset;
    expect(edited.title).toBe('Radiology reports (de-identified)');
    expect(edited.tags).toEqual(['medical', 'nlp']);
    expect(edited.summary).toBe('Read speech in 12 languages');

    const v1 = ok(await app.gql(CREATE_VERSION, { input: versionInput(created.id) }, vendor.key)).createDatasetVersion.datasetVersion;
    expect(v1.status).toBe('DRAFT');
    const files = [
      { path: 'a/part-0.jsonl', byteSize: '100', sha256: sha256('0'), rowCount: '5' },
      { path: 'a/part-1.jsonl', byteSize: '9007199254740000', sha256: sha256('1').toUpperCase(), rowCount: '7' },
    ];
    const updated = ok(await app.gql(UPDATE_VERSION, { input: { id: v1.id, files } }, vendor.key)).updateDatasetVersion.datasetVersion;
    expect(updated.byteSize).toBe('9007199254740100');
    expect(updated.rowCount).toBe('12');
    // Publishing needs every declared file's bytes.
    expectError(await app.gql(PUBLISH_VERSION, { id: v1.id }, vendor.key), 'BAD_USER_INPUT', 'input.files.0');
    const real = [dataFile('a/part-0.jsonl', 'row\n'.repeat(5), 5), dataFile('a/part-1.jsonl', 'row\n'.repeat(7), 7)];
    ok(await app.gql(UPDATE_VERSION, { input: { id: v1.id, files: real } }, vendor.key));
    await uploadFiles(app, vendor.key, v1.id);

    const published = ok(await app.gql(PUBLISH_VERSION, { id: v1.id }, vendor.key)).publishDatasetVersion.datasetVersion;
    expect(published.status).toBe('PUBLISHED');
    expect(published.manifestSha256).toMatch(/^[0-9a-f]{64}$/);

    const dataset = ok(await app.gql(DATASET, { id: created.id })).dataset;
    expect(dataset.status).toBe('PUBLISHED');
    expect(dataset.latestVersion).toEqual({ id: v1.id, version: '1.0.0' });

    expectError(await app.gql(UPDATE_VERSION, { input: { id: v1.id, changelog: 'sneaky' } }, vendor.key), 'CONFLICT', 'input.id');
    expectError(await app.gql(PUBLISH_VERSION, { id: v1.id }, vendor.key), 'CONFLICT', 'input.id');
    expectError(await app.gql(CREATE_VERSION, { input: versionInput(created.id) }, vendor.key), 'CONFLICT', 'input.version');

    // A lower version number than the published one cannot be published.
    const v0 = ok(await app.gql(CREATE_VERSION, { input: versionInput(created.id, { version: '0.9.0' }) }, vendor.key)).createDatasetVersion
      .datasetVersion;
    await uploadFiles(app, vendor.key, v0.id);
    expectError(await app.gql(PUBLISH_VERSION, { id: v0.id }, vendor.key), 'BAD_USER_INPUT', 'input.version');
    const v2 = ok(await app.gql(CREATE_VERSION, { input: versionInput(created.id, { version: '1.10.0' }) }, vendor.key))
      .createDatasetVersion.datasetVersion;
    await uploadFiles(app, vendor.key, v2.id);
    ok(await app.gql(PUBLISH_VERSION, { id: v2.id }, vendor.key));
    expect(ok(await app.gql(DATASET, { slug: `${vendor.slug}/${created.slug}` })).dataset.latestVersion.version).toBe('1.10.0');
    // Anonymous visitors see the two published versions, not the draft 0.9.0; the vendor sees all three.
    expect(ok(await app.gql(DATASET, { id: created.id })).dataset.versions.totalCount).toBe(2);
    expect(ok(await app.gql(DATASET, { id: created.id }, vendor.key)).dataset.versions.totalCount).toBe(3);
    // Versions page newest first (by creation), with keyset cursors.
    const PAGE = `query($id: ID!, $after: String) { dataset(id: $id) { versions(first: 2, after: $after) { pageInfo { hasNextPage endCursor } nodes { version } } } }`;
    const first = ok(await app.gql(PAGE, { id: created.id }, vendor.key)).dataset.versions;
    expect(first.nodes.map((n: { version: string }) => n.version)).toEqual(['1.10.0', '0.9.0']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = ok(await app.gql(PAGE, { id: created.id, after: first.pageInfo.endCursor }, vendor.key)).dataset.versions;
    expect(second.nodes.map((n: { version: string }) => n.version)).toEqual(['1.0.0']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('validates a version at publish: files, column schema, sample columns', async () => {
    const id = await createDataset(app, vendor);
    const noFiles = ok(await app.gql(CREATE_VERSION, { input: versionInput(id, { files: [] }) }, vendor.key)).createDatasetVersion
      .datasetVersion;
    expectError(await app.gql(PUBLISH_VERSION, { id: noFiles.id }, vendor.key), 'BAD_USER_INPUT', 'input.files');
    const noColumns = ok(
      await app.gql(CREATE_VERSION, { input: versionInput(id, { version: '1.0.1', columns: [], sample: null }) }, vendor.key),
    ).createDatasetVersion.datasetVersion;
    await uploadFiles(app, vendor.key, noColumns.id);
    expectError(await app.gql(PUBLISH_VERSION, { id: noColumns.id }, vendor.key), 'BAD_USER_INPUT', 'input.columns');
    const badSample = ok(
      await app.gql(CREATE_VERSION, { input: versionInput(id, { version: '1.0.2', sample: [{ id: '1', txt: 'typo' }] }) }, vendor.key),
    ).createDatasetVersion.datasetVersion;
    await uploadFiles(app, vendor.key, badSample.id);
    expectError(await app.gql(PUBLISH_VERSION, { id: badSample.id }, vendor.key), 'BAD_USER_INPUT', 'input.sample.0');
  });

  it('shows sample rows with their keys in the declared column order, as published and to buyers', async () => {
    const id = await createDataset(app, vendor);
    // jsonb alone would answer `id, label, transcript, speaker_name` (shortest key first).
    const columns = ['transcript', 'speaker_name', 'id', 'label'].map((name) => ({ name, type: 'string' }));
    const row = { label: 'yes', id: '1', transcript: 'hello there', speaker_name: 'A' };
    const expected = ['transcript', 'speaker_name', 'id', 'label'];
    const created = ok(
      await app.gql(CREATE_VERSION_WITH_SAMPLE, { input: versionInput(id, { columns, sample: [row, { ...row, id: '2' }] }) }, vendor.key),
    ).createDatasetVersion.datasetVersion;
    expect(created.sample.map((r: object) => Object.keys(r))).toEqual([expected, expected]);
    await uploadFiles(app, vendor.key, created.id);
    ok(await app.gql(PUBLISH_VERSION, { id: created.id }, vendor.key));
    const read = ok(await app.gql(`query($id: ID!) { node(id: $id) { ... on DatasetVersion { sample } } }`, { id: created.id }, buyer.key));
    expect(Object.keys(read.node.sample[0])).toEqual(expected);
    expect(read.node.sample[1]).toEqual({ transcript: 'hello there', speaker_name: 'A', id: '2', label: 'yes' });
  });

  it('refuses to publish until the vendor is approved', async () => {
    const pending = await signUp(app, 'VENDOR', { approve: false });
    const id = await createDataset(app, pending);
    const v = ok(await app.gql(CREATE_VERSION, { input: versionInput(id) }, pending.key)).createDatasetVersion.datasetVersion;
    // It cannot store the files either (see test/upload-limits.test.ts).
    expectError(
      await app.gql(
        `mutation { createUpload(input: { versionId: "${v.id}", path: "data/train.jsonl" }) { upload { id } } }`,
        {},
        pending.key,
      ),
      'FORBIDDEN',
    );
    expectError(await app.gql(PUBLISH_VERSION, { id: v.id }, pending.key), 'FORBIDDEN');
    expect(ok(await app.gql(DATASET, { id }, pending.key)).dataset.status).toBe('DRAFT');
  });
});

describe('visibility of drafts', () => {
  it('shows drafts only to their vendor and platform staff, everywhere', async () => {
    const id = await createDataset(app, vendor, { title: 'Secret draft zebra corpus' });
    const versionId = ok(await app.gql(CREATE_VERSION, { input: versionInput(id) }, vendor.key)).createDatasetVersion.datasetVersion.id;
    const slug = ok(await app.gql(DATASET, { id }, vendor.key)).dataset.fullSlug;
    const auditor = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "Aud", email: "aud-drafts@assay.example", role: AUDITOR }) { secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser.secret;

    for (const key of [undefined, buyer.key, otherVendor.key]) {
      expect(ok(await app.gql(DATASET, { id }, key)).dataset).toBeNull();
      expect(ok(await app.gql(DATASET, { slug }, key)).dataset).toBeNull();
      expect(ok(await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, key)).node).toBeNull();
      expect(ok(await app.gql(`query($id: ID!) { datasetVersion(id: $id) { id } }`, { id: versionId }, key)).datasetVersion).toBeNull();
      const search = ok(await app.gql(`{ datasets(filter: { search: "zebra" }) { totalCount } }`, {}, key)).datasets;
      expect(search.totalCount).toBe(0);
      const drafts = ok(await app.gql(`{ datasets(filter: { status: [DRAFT] }, first: 100) { nodes { id } } }`, {}, key)).datasets;
      expect(drafts.nodes.map((n: { id: string }) => n.id)).not.toContain(id);
    }
    for (const key of [vendor.key, ADMIN_KEY, auditor]) {
      expect(ok(await app.gql(DATASET, { id }, key)).dataset.id).toBe(id);
      const drafts = ok(await app.gql(`{ datasets(filter: { status: [DRAFT], search: "zebra" }) { nodes { id } } }`, {}, key)).datasets;
      expect(drafts.nodes.map((n: { id: string }) => n.id)).toEqual([id]);
    }
    // Without a status filter the catalog lists published listings only, even for the vendor.
    const mine = ok(await app.gql(`{ datasets(filter: { search: "zebra" }) { totalCount } }`, {}, vendor.key)).datasets;
    expect(mine.totalCount).toBe(0);
  });
});

describe('who may change what', () => {
  it('refuses every catalog mutation for the wrong role and for another organization', async () => {
    const { datasetId, versionId } = await publishDataset(app, vendor);
    const draftId = await createDataset(app, vendor);
    const draftVersion = ok(await app.gql(CREATE_VERSION, { input: versionInput(draftId) }, vendor.key)).createDatasetVersion.datasetVersion
      .id;
    const member = await addMember(app, vendor, 'MEMBER');

    // Anonymous callers must authenticate.
    expectError(await app.gql(CREATE_DATASET, { input: datasetInput() }), 'UNAUTHENTICATED');
    expectError(await app.gql(UPDATE_DATASET, { input: { id: datasetId, title: 'x' } }), 'UNAUTHENTICATED');
    expectError(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, { version: '2.0.0' }) }), 'UNAUTHENTICATED');
    expectError(await app.gql(UPDATE_VERSION, { input: { id: draftVersion, changelog: 'x' } }), 'UNAUTHENTICATED');
    expectError(await app.gql(PUBLISH_VERSION, { id: draftVersion }), 'UNAUTHENTICATED');

    // Buyers do not list datasets.
    expectError(await app.gql(CREATE_DATASET, { input: datasetInput() }, buyer.key), 'FORBIDDEN');

    // Another vendor: a published listing is visible but not theirs (FORBIDDEN); a draft does not exist for them (NOT_FOUND).
    expectError(await app.gql(UPDATE_DATASET, { input: { id: datasetId, title: 'hijack' } }, otherVendor.key), 'FORBIDDEN');
    expectError(await app.gql(UPDATE_DATASET, { input: { id: draftId, title: 'hijack' } }, otherVendor.key), 'NOT_FOUND', 'input.id');
    expectError(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, { version: '9.0.0' }) }, otherVendor.key), 'FORBIDDEN');
    expectError(await app.gql(CREATE_VERSION, { input: versionInput(draftId, { version: '9.0.0' }) }, otherVendor.key), 'NOT_FOUND');
    expectError(await app.gql(UPDATE_VERSION, { input: { id: draftVersion, changelog: 'x' } }, otherVendor.key), 'NOT_FOUND');
    expectError(await app.gql(PUBLISH_VERSION, { id: draftVersion }, otherVendor.key), 'NOT_FOUND');
    expectError(await app.gql(UPDATE_VERSION, { input: { id: versionId, changelog: 'x' } }, otherVendor.key), 'FORBIDDEN');
    expectError(await app.gql(UPDATE_DATASET, { input: { id: datasetId, title: 'hijack' } }, buyer.key), 'FORBIDDEN');

    // Suspension is for admins only; auditors are read-only.
    const suspend = `mutation($id: ID!) { suspendDataset(input: { id: $id, reason: "PII found" }) { dataset { status suspendedReason } } }`;
    const reinstate = `mutation($id: ID!) { reinstateDataset(input: { id: $id }) { dataset { status } } }`;
    const auditor = ok(
      await app.gql(
        `mutation { createStaffUser(input: { name: "A", email: "aud-roles@assay.example", role: AUDITOR }) { secret } }`,
        {},
        ADMIN_KEY,
      ),
    ).createStaffUser.secret;
    for (const key of [vendor.key, buyer.key, auditor]) expectError(await app.gql(suspend, { id: datasetId }, key), 'FORBIDDEN');
    expect(ok(await app.gql(suspend, { id: datasetId }, ADMIN_KEY)).suspendDataset.dataset).toEqual({
      status: 'SUSPENDED',
      suspendedReason: 'PII found',
    });
    expect(ok(await app.gql(DATASET, { id: datasetId })).dataset).toBeNull();
    expect(
      ok(await app.gql(`query($id: ID!) { dataset(id: $id) { suspendedReason } }`, { id: datasetId }, vendor.key)).dataset.suspendedReason,
    ).toBe('PII found');
    for (const key of [vendor.key, auditor]) expectError(await app.gql(reinstate, { id: datasetId }, key), 'FORBIDDEN');
    expect(ok(await app.gql(reinstate, { id: datasetId }, ADMIN_KEY)).reinstateDataset.dataset.status).toBe('PUBLISHED');

    // A plain member of the vendor may do catalog work.
    ok(await app.gql(UPDATE_DATASET, { input: { id: datasetId, summary: 'by a member' } }, member.key));
  });
});

describe('input validation', () => {
  it('names the offending field for every bad input', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ title: '' }, 'input.title'],
      [{ title: '   ' }, 'input.title'],
      [{ title: 'x'.repeat(201) }, 'input.title'],
      [{ summary: 'y'.repeat(501) }, 'input.summary'],
      [{ description: 'z'.repeat(50_001) }, 'input.description'],
      [{ slug: 'Not A Slug' }, 'input.slug'],
      [{ slug: '-leading' }, 'input.slug'],
      [{ slug: 'a'.repeat(65) }, 'input.slug'],
      [{ tags: ['ok', 'not ok'] }, 'input.tags.1'],
      [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'input.tags'],
      [{ terms: { commercialUse: true } }, 'input.terms.modelTraining'],
      [{ terms: { ...datasetInput().terms, spdxId: 'not an id!' } }, 'input.terms.spdxId'],
      [{ title: 'bell\u0007' }, 'input.title'],
    ];
    for (const [overrides, field] of cases) {
      expectError(await app.gql(CREATE_DATASET, { input: datasetInput(overrides) }, vendor.key), 'BAD_USER_INPUT', field);
    }
    const id = await createDataset(app, vendor);
    const versionCases: [Record<string, unknown>, string][] = [
      [{ version: 'v1' }, 'input.version'],
      [{ files: [{ path: '../etc/passwd', byteSize: '1', sha256: sha256('x') }] }, 'input.files.0.path'],
      [{ files: [{ path: 'a/%2e%2e/./b', byteSize: '1', sha256: sha256('x') }] }, 'input.files.0.path'],
      [{ files: [{ path: '/abs', byteSize: '1', sha256: sha256('x') }] }, 'input.files.0.path'],
      [{ files: [{ path: 'ok', byteSize: '-1', sha256: sha256('x') }] }, 'input.files.0.byteSize'],
      [{ files: [{ path: 'ok', byteSize: '1', sha256: 'abc' }] }, 'input.files.0.sha256'],
      [
        {
          files: [
            { path: 'dup', byteSize: '1', sha256: sha256('x') },
            { path: 'dup', byteSize: '1', sha256: sha256('x') },
          ],
        },
        'input.files.1',
      ],
      [{ files: [{ path: 'ok', byteSize: 'lots', sha256: sha256('x') }] }, 'input.files.0.byteSize'],
      [{ sample: 'not rows' }, 'input.sample'],
      [{ sample: Array.from({ length: 101 }, () => ({ id: '1' })) }, 'input.sample'],
      [
        {
          columns: [
            { name: 'a', type: 'int' },
            { name: 'a', type: 'int' },
          ],
        },
        'input.columns.1',
      ],
    ];
    for (const [overrides, field] of versionCases) {
      expectError(await app.gql(CREATE_VERSION, { input: versionInput(id, overrides) }, vendor.key), 'BAD_USER_INPUT', field);
    }
    expectError(await app.gql(CREATE_VERSION, { input: versionInput('ds_nope') }, vendor.key), 'BAD_USER_INPUT', 'input.datasetId');
    expectError(
      await app.gql(CREATE_VERSION, { input: versionInput('ds_00000000000000000000000000') }, vendor.key),
      'NOT_FOUND',
      'input.datasetId',
    );
    // Nothing was half-written by the refused attempts.
    expect(ok(await app.gql(DATASET, { id }, vendor.key)).dataset.versions.totalCount).toBe(0);
  });

  it('refuses bad list arguments', async () => {
    expectError(await app.gql(`{ datasets(first: 1000) { totalCount } }`), 'BAD_USER_INPUT', 'first');
    expectError(await app.gql(`{ datasets(first: 0) { totalCount } }`), 'BAD_USER_INPUT', 'first');
    expectError(await app.gql(`{ datasets(after: "garbage!") { totalCount } }`), 'BAD_USER_INPUT', 'after');
    expectError(await app.gql(`{ datasets(after: "eyJhIjoxfQ") { totalCount } }`), 'BAD_USER_INPUT', 'after');
    expectError(await app.gql(`{ datasets(orderBy: RELEVANCE) { totalCount } }`), 'BAD_USER_INPUT', 'orderBy');
    expectError(await app.gql(`{ datasets(filter: { search: "${'q'.repeat(201)}" }) { totalCount } }`), 'BAD_USER_INPUT', 'filter.search');
    expectError(await app.gql(`{ dataset(slug: "no-slash") { id } }`), 'BAD_USER_INPUT', 'slug');
    expectError(await app.gql(`{ dataset { id } }`), 'BAD_USER_INPUT');
    // A cursor from one order is not valid for another.
    const page = ok(await app.gql(`{ datasets(first: 1, orderBy: TITLE) { pageInfo { endCursor } } }`)).datasets;
    if (page.pageInfo.endCursor) {
      expectError(
        await app.gql(`query($a: String) { datasets(after: $a) { totalCount } }`, { a: page.pageInfo.endCursor }),
        'BAD_USER_INPUT',
        'after',
      );
    }
  });

  it('answers malformed HTTP requests with 4xx, never 500', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('{"query": ')).status).toBe(400);
    expect((await post('not json at all')).status).toBe(400);
    // Well-formed requests whose document does not parse or validate: 200 in application/json, 400 when asked
    // for application/graphql-response+json (GraphQL over HTTP).
    expect((await post('{"query":"{ datasets { totalCount }"}')).status).toBe(200);
    expect((await post('{"query":"{ nope }"}')).status).toBe(200);
    const modern = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: '{"query":"{ nope }"}',
    });
    expect(modern.status).toBe(400);
    expect((await post('{"query": 42}')).status).toBe(400);
    expect((await post('[{"query":"{ __typename }"}]')).status).toBeGreaterThanOrEqual(400);
    expect((await post('{"query":"{ __typename }"}', 'text/plain')).status).toBeGreaterThanOrEqual(400);
    const syntax = (await (await post('{"query":"{ datasets { totalCount }"}')).json()) as { errors: { extensions: { code: string } }[] };
    expect(syntax.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    // A mutation over GET is refused (and GET without a preflight header is CSRF-protected).
    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent('mutation { createApiKey(input: {name: "x"}) { secret } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(405);
    const csrf = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(csrf.status).toBe(400);
    const getOk = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(getOk.status).toBe(200);
    expect((await fetch(`${app.url}/nowhere`)).status).toBe(404);
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: { ok: true }, billing: 'local' });
  });
});
