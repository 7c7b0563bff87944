import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { ADMIN_KEY, type GraphQLResponse, type ApiClient, type TestApp } from './app.js';

let counter = 0;
/** A unique slug per call, readable in failures. */
export const uniqueSlug = (base: string) => `${base}-${process.pid}-${++counter}`;

export const OPEN_TERMS = {
  spdxId: 'CC-BY-4.0',
  commercialUse: true,
  modelTraining: true,
  derivatives: true,
  syntheticGeneration: true,
  redistribution: true,
  attributionRequired: true,
};

export const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** File bytes by SHA-256, so `uploadFiles` can send what a version declared. */
const fileContents = new Map<string, Buffer>();

/** Declares a file with real content (its size and hash are computed) and remembers the bytes for upload. */
export function dataFile(path: string, content: string | Buffer, rowCount?: number) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const hash = sha256(bytes);
  fileContents.set(hash, bytes);
  return { path, byteSize: String(bytes.length), sha256: hash, rowCount: rowCount === undefined ? null : String(rowCount) };
}

/** Uploads every declared file of a draft version (their bytes must come from `dataFile`). */
export async function uploadFiles(app: ApiClient, key: string, versionId: string): Promise<void> {
  const version = ok(
    await app.gql(`query($id: ID!) { datasetVersion(id: $id) { files { path sha256 } } }`, { id: versionId }, key),
  ).datasetVersion;
  for (const file of version.files as { path: string; sha256: string }[]) {
    const bytes = fileContents.get(file.sha256);
    if (!bytes) throw new Error(`no content known for ${file.path}; declare it with dataFile()`);
    const upload = ok(
      await app.gql(
        `mutation($input: CreateUploadInput!) { createUpload(input: $input) { upload { url } } }`,
        { input: { versionId, path: file.path } },
        key,
      ),
    ).createUpload.upload;
    const res = await fetch(`${app.url}${upload.url}`, { method: 'PUT', headers: { authorization: `Bearer ${key}` }, body: bytes });
    if (res.status !== 200) throw new Error(`upload of ${file.path} failed: ${res.status} ${await res.text()}`);
  }
}

/** Asserts the response failed with exactly this code (and field, when given). */
export function expectError(res: GraphQLResponse, code: string, field?: string): void {
  expect(res.errors, JSON.stringify(res.data)).toBeDefined();
  expect(res.errors![0]!.extensions.code, res.errors![0]!.message).toBe(code);
  if (field !== undefined) expect(res.errors![0]!.extensions.field).toBe(field);
}

/** Asserts success and returns the data. */
export function ok<T = Record<string, any>>(res: GraphQLResponse<T>): T {
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!;
}

export interface Org {
  id: string;
  slug: string;
  ownerId: string;
  key: string;
}

/** Signs an organization up through the API; vendors are approved by the admin unless `approve: false`. */
export async function signUp(app: ApiClient, kind: 'VENDOR' | 'BUYER', options: { approve?: boolean; slug?: string } = {}): Promise<Org> {
  const slug = options.slug ?? uniqueSlug(kind.toLowerCase());
  const data = ok(
    await app.gql(
      `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id slug } owner { id } secret } }`,
      { input: { name: `Org ${slug}`, slug, kind, owner: { name: `Owner of ${slug}`, email: `owner@${slug}.example` } } },
    ),
  );
  const org = data.createOrganization;
  if (kind === 'VENDOR' && options.approve !== false) {
    ok(
      await app.gql(
        `mutation($id: ID!) { approveVendor(input: { organizationId: $id }) { organization { id } } }`,
        { id: org.organization.id },
        ADMIN_KEY,
      ),
    );
  }
  return { id: org.organization.id, slug: org.organization.slug, ownerId: org.owner.id, key: org.secret };
}

/** Adds a member to an organization (as its owner) and returns the member's API key. */
export async function addMember(app: TestApp, owner: Org, role: 'OWNER' | 'MEMBER' = 'MEMBER'): Promise<{ id: string; key: string }> {
  const slug = uniqueSlug('member');
  const data = ok(
    await app.gql(
      `mutation($input: AddMemberInput!) { addMember(input: $input) { user { id } secret } }`,
      { input: { organizationId: owner.id, name: `Member ${slug}`, email: `${slug}@example.com`, role } },
      owner.key,
    ),
  );
  return { id: data.addMember.user.id, key: data.addMember.secret };
}

export const CREATE_DATASET = `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { dataset { id slug status fullSlug } } }`;
export const CREATE_VERSION = `mutation($input: CreateDatasetVersionInput!) { createDatasetVersion(input: $input) { datasetVersion { id status version } } }`;
export const PUBLISH_VERSION = `mutation($id: ID!) { publishDatasetVersion(input: { id: $id }) { datasetVersion { id status manifestSha256 } } }`;

export function datasetInput(overrides: Record<string, unknown> = {}) {
  return {
    slug: uniqueSlug('ds'),
    title: 'Multilingual speech corpus',
    summary: 'Read speech in 12 languages',
    description: 'Recorded with consent from paid speakers.',
    kind: 'REAL',
    modality: 'AUDIO',
    tags: ['speech', 'asr'],
    terms: OPEN_TERMS,
    ...overrides,
  };
}

export function versionInput(datasetId: string, overrides: Record<string, unknown> = {}) {
  return {
    datasetId,
    version: '1.0.0',
    format: 'parquet',
    columns: [
      { name: 'id', type: 'string' },
      { name: 'text', type: 'string' },
    ],
    sample: [{ id: '1', text: 'hello' }],
    changelog: 'First release',
    files: [dataFile('data/train.jsonl', '{"id":"1","text":"hello"}\n'.repeat(10), 10)],
    ...overrides,
  };
}

/** Creates a draft dataset through the API and returns its ID. */
export async function createDataset(app: ApiClient, vendor: Org, overrides: Record<string, unknown> = {}): Promise<string> {
  return ok(await app.gql(CREATE_DATASET, { input: datasetInput(overrides) }, vendor.key)).createDataset.dataset.id;
}

const DEFAULT_PROVENANCE: Record<string, Record<string, unknown>> = {
  SYNTHETIC: { method: 'SIMULATION' },
  HYBRID: { method: 'SIMULATION', realFraction: 0.5 },
};

/** Creates a dataset with one version, uploads its files and publishes it; returns both IDs. */
export async function publishDataset(
  app: ApiClient,
  vendor: Org,
  overrides: Record<string, unknown> = {},
  versionOverrides: Record<string, unknown> = {},
): Promise<{ datasetId: string; versionId: string }> {
  const datasetId = await createDataset(app, vendor, overrides);
  // SYNTHETIC and HYBRID versions must declare provenance to publish; a source-less simulation is the simplest one.
  const provenance = versionOverrides.provenance ?? DEFAULT_PROVENANCE[overrides.kind as string];
  const versionId = ok(
    await app.gql(
      CREATE_VERSION,
      { input: versionInput(datasetId, { ...(provenance ? { provenance } : {}), ...versionOverrides }) },
      vendor.key,
    ),
  ).createDatasetVersion.datasetVersion.id;
  await uploadFiles(app, vendor.key, versionId);
  ok(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key));
  return { datasetId, versionId };
}
