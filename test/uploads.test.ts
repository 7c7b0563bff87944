import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';
import {
  CREATE_VERSION,
  PUBLISH_VERSION,
  createDataset,
  dataFile,
  expectError,
  ok,
  signUp,
  versionInput,
  type Org,
} from './support/fixtures.js';

let app: TestApp;
let vendor: Org;
let otherVendor: Org;
let buyer: Org;
beforeAll(async () => {
  app = await startTestApp();
  [vendor, otherVendor, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
});
afterAll(async () => {
  await app?.close();
});

const CREATE_UPLOAD = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { upload { id url path byteSize sha256 expiresAt completedAt } } }`;
const FILES = `query($id: ID!) { datasetVersion(id: $id) { files { path uploaded } } }`;

async function draftWith(content: string): Promise<{ versionId: string; file: ReturnType<typeof dataFile> }> {
  const datasetId = await createDataset(app, vendor);
  const file = dataFile('data/part-0.csv', content, 3);
  const versionId = ok(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, { files: [file] }) }, vendor.key))
    .createDatasetVersion.datasetVersion.id;
  return { versionId, file };
}

const put = (url: string, body: string | Buffer, key = vendor.key) =>
  fetch(`${app.url}${url}`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body });

describe('uploads', () => {
  it('createUploads opens every missing file of a version in one call, only for its vendor', async () => {
    const CREATE_UPLOADS = `mutation($input: CreateUploadsInput!) { createUploads(input: $input) { uploads { id url path } } }`;
    const datasetId = await createDataset(app, vendor);
    const contents = { 'data/a.csv': 'id\na\n', 'data/b.csv': 'id\nb\n', 'data/c.csv': 'id\nc\n' };
    const files = Object.entries(contents).map(([path, content]) => dataFile(path, content, 1));
    const versionId = ok(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, { files }) }, vendor.key)).createDatasetVersion
      .datasetVersion.id;
    expectError(await app.gql(CREATE_UPLOADS, { input: { versionId } }, otherVendor.key), 'NOT_FOUND', 'input.versionId');
    expectError(await app.gql(CREATE_UPLOADS, { input: { versionId } }), 'UNAUTHENTICATED');
    expectError(
      await app.gql(CREATE_UPLOADS, { input: { versionId, paths: ['data/a.csv', 'nope.csv'] } }, vendor.key),
      'BAD_USER_INPUT',
      'input.paths.1',
    );
    const picked = ok(await app.gql(CREATE_UPLOADS, { input: { versionId, paths: ['data/b.csv'] } }, vendor.key)).createUploads.uploads;
    expect(picked.map((u: { path: string }) => u.path)).toEqual(['data/b.csv']);
    expect((await put(picked[0].url, contents['data/b.csv'])).status).toBe(200);
    // Without paths: every file not stored yet, in declared order.
    const rest = ok(await app.gql(CREATE_UPLOADS, { input: { versionId } }, vendor.key)).createUploads.uploads;
    expect(rest.map((u: { path: string }) => u.path)).toEqual(['data/a.csv', 'data/c.csv']);
    for (const u of rest as { url: string; path: keyof typeof contents }[]) expect((await put(u.url, contents[u.path])).status).toBe(200);
    expect(ok(await app.gql(CREATE_UPLOADS, { input: { versionId } }, vendor.key)).createUploads.uploads).toEqual([]);
    ok(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key));
    expectError(await app.gql(CREATE_UPLOADS, { input: { versionId } }, vendor.key), 'CONFLICT', 'input.versionId');
  });

  it('publish names every file still missing, and the version shows which are stored', async () => {
    const datasetId = await createDataset(app, vendor);
    const files = ['a', 'b', 'c'].map((n) => dataFile(`data/${n}.csv`, `id\n${n}\n`, 1));
    const versionId = ok(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, { files }) }, vendor.key)).createDatasetVersion
      .datasetVersion.id;
    const middle = ok(await app.gql(CREATE_UPLOAD, { input: { versionId, path: 'data/b.csv' } }, vendor.key)).createUpload.upload;
    expect((await put(middle.url, 'id\nb\n')).status).toBe(200);
    const refused = await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key);
    expectError(refused, 'BAD_USER_INPUT', 'input.files.0');
    expect(refused.errors![0]!.extensions.missingFields).toEqual(['input.files.0', 'input.files.2']);
    expect(refused.errors![0]!.message).toContain('"data/a.csv", "data/c.csv"');
    expect(
      ok(await app.gql(FILES, { id: versionId }, vendor.key)).datasetVersion.files.map((f: { uploaded: boolean }) => f.uploaded),
    ).toEqual([false, true, false]);
  });

  it('stores a file whose size and hash match, and publishing then succeeds', async () => {
    const content = 'id,text\n1,a\n2,b\n3,c\n';
    const { versionId, file } = await draftWith(content);
    expect(ok(await app.gql(FILES, { id: versionId }, vendor.key)).datasetVersion.files[0].uploaded).toBe(false);
    expectError(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key), 'BAD_USER_INPUT', 'input.files.0');

    const upload = ok(await app.gql(CREATE_UPLOAD, { input: { versionId, path: file.path } }, vendor.key)).createUpload.upload;
    expect(upload).toMatchObject({ path: file.path, byteSize: file.byteSize, sha256: file.sha256, completedAt: null });
    expect(upload.url).toBe(`/uploads/${upload.id}`);
    const res = await put(upload.url, content);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ uploadId: upload.id, sha256: file.sha256 });
    // The same bytes again are accepted (a retry is safe).
    expect((await put(upload.url, content)).status).toBe(200);

    expect(ok(await app.gql(FILES, { id: versionId }, vendor.key)).datasetVersion.files[0].uploaded).toBe(true);
    ok(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key));
    // The version is published: no more uploads.
    expect((await put(upload.url, content)).status).toBe(409);
    expectError(await app.gql(CREATE_UPLOAD, { input: { versionId, path: file.path } }, vendor.key), 'CONFLICT', 'input.versionId');
    // Others do not learn whether files are uploaded.
    expect(ok(await app.gql(FILES, { id: versionId }, buyer.key)).datasetVersion.files[0].uploaded).toBeNull();
  });

  it('refuses a wrong hash, a wrong size and too many bytes, leaving nothing stored', async () => {
    const content = 'id,text\n1,a\n2,b\n3,c\n';
    const { versionId, file } = await draftWith(content);
    const upload = ok(await app.gql(CREATE_UPLOAD, { input: { versionId, path: file.path } }, vendor.key)).createUpload.upload;

    const tampered = content.replace('a', 'x');
    const hash = await put(upload.url, tampered);
    expect(hash.status).toBe(400);
    expect(await hash.json()).toMatchObject({ error: 'HASH_MISMATCH' });
    const short = await put(upload.url, content.slice(0, -1));
    expect(short.status).toBe(400);
    expect(await short.json()).toMatchObject({ error: 'SIZE_MISMATCH' });

    // Without Content-Length (chunked), the stream is cut off once it exceeds the declared size.
    const tooLarge = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${app.url}${upload.url}`,
        { method: 'PUT', headers: { authorization: `Bearer ${vendor.key}`, 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.write(content);
      req.end('more bytes than declared');
    });
    expect(tooLarge).toBe(413);

    // A client that hangs up half way stores nothing either.
    await new Promise<void>((resolve) => {
      const req = http.request(`${app.url}${upload.url}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${vendor.key}`, 'content-length': String(Buffer.byteLength(content)) },
      });
      req.on('error', () => resolve());
      req.write(content.slice(0, 5), () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50),
      );
    });
    await new Promise((r) => setTimeout(r, 100));

    expect(ok(await app.gql(FILES, { id: versionId }, vendor.key)).datasetVersion.files[0].uploaded).toBe(false);
    expectError(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key), 'BAD_USER_INPUT', 'input.files.0');
  });

  it('lets only the owning vendor open and use uploads', async () => {
    const content = 'id,text\n1,a\n2,b\n3,c\n';
    const { versionId, file } = await draftWith(content);
    const upload = ok(await app.gql(CREATE_UPLOAD, { input: { versionId, path: file.path } }, vendor.key)).createUpload.upload;

    expectError(await app.gql(CREATE_UPLOAD, { input: { versionId, path: file.path } }), 'UNAUTHENTICATED');
    expectError(await app.gql(CREATE_UPLOAD, { input: { versionId, path: file.path } }, otherVendor.key), 'NOT_FOUND', 'input.versionId');
    expectError(await app.gql(CREATE_UPLOAD, { input: { versionId, path: file.path } }, buyer.key), 'NOT_FOUND', 'input.versionId');
    expectError(await app.gql(CREATE_UPLOAD, { input: { versionId, path: 'data/other.csv' } }, vendor.key), 'BAD_USER_INPUT', 'input.path');
    expectError(await app.gql(CREATE_UPLOAD, { input: { versionId, path: '../escape' } }, vendor.key), 'BAD_USER_INPUT', 'input.path');
    expectError(
      await app.gql(CREATE_UPLOAD, { input: { versionId: 'dsv_x', path: file.path } }, vendor.key),
      'BAD_USER_INPUT',
      'input.versionId',
    );

    expect((await fetch(`${app.url}${upload.url}`, { method: 'PUT', body: content })).status).toBe(401);
    expect((await put(upload.url, content, 'ak_not_a_key_000000000000000000000')).status).toBe(401);
    expect((await put(upload.url, content, otherVendor.key)).status).toBe(404);
    expect((await put(upload.url, content, buyer.key)).status).toBe(404);
    expect((await put('/uploads/upl_00000000000000000000000000', content)).status).toBe(404);
    expect((await put('/uploads/..%2F..%2Fetc', content)).status).toBe(404);
    expect(ok(await app.gql(FILES, { id: versionId }, vendor.key)).datasetVersion.files[0].uploaded).toBe(false);

    // Upload slots expire after a day.
    app.clock.advance(25 * 60 * 60 * 1000);
    expect((await put(upload.url, content)).status).toBe(410);
  });
});
