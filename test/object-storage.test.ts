import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobKey, type ExpectedContent } from '../src/delivery/storage.js';
import { startTestApp, type TestApp } from './support/app.js';
import { licensedToken } from './support/commerce.js';
import {
  CREATE_VERSION,
  PUBLISH_VERSION,
  createDataset,
  dataFile,
  expectError,
  ok,
  publishDataset,
  sha256,
  signUp,
  versionInput,
  type Org,
} from './support/fixtures.js';
import { S3_BUCKET, S3_CREDENTIALS } from './support/s3-server.js';
import { STORAGE_BACKENDS, type StorageBackend } from './support/storage-backends.js';
import { waitFor } from './support/webhook-receiver.js';

const MiB = 1024 * 1024;
let keys = 0;
/** A fresh content-addressed key, as uploads use. */
const keyFor = (content: Buffer) => blobKey(`dsv_storage${process.pid}x${++keys}`, sha256(content));
const expectedOf = (content: Buffer): ExpectedContent => ({ byteSize: BigInt(content.length), sha256: sha256(content) });
/** The bytes in 64 KiB chunks, as a request body arrives. */
const bodyOf = (content: Buffer) =>
  Readable.from(
    (function* () {
      for (let at = 0; at < content.length; at += 64 * 1024) yield content.subarray(at, at + 64 * 1024);
    })(),
  );
const readAll = async (stream: Readable) => Buffer.concat(await stream.toArray());

describe.each(STORAGE_BACKENDS)('$backend storage', ({ start }) => {
  let backend: StorageBackend;
  beforeAll(async () => {
    backend = await start();
  });
  afterAll(async () => {
    await backend?.stop();
  });

  it('stores bytes whose size and hash match, and reads them whole or by range', async () => {
    const content = randomBytes(100_000);
    const key = keyFor(content);
    await backend.storage.put(key, bodyOf(content), expectedOf(content));
    expect(await backend.storage.exists(key)).toBe(true);
    expect((await readAll(await backend.storage.open(key))).equals(content)).toBe(true);
    const span = await readAll(await backend.storage.open(key, { start: 1000, end: 1999 }));
    expect(span.equals(content.subarray(1000, 2000))).toBe(true);
    const last = await readAll(await backend.storage.open(key, { start: content.length - 1, end: content.length - 1 }));
    expect(last.equals(content.subarray(-1))).toBe(true);
  });

  it('reads a span into memory, and says NOT_FOUND for a missing object or a span past its end', async () => {
    const content = randomBytes(70_000);
    const key = keyFor(content);
    await expect(backend.storage.read(key, { start: 0, end: 9 })).rejects.toMatchObject({ reason: 'NOT_FOUND' });
    await backend.storage.put(key, bodyOf(content), expectedOf(content));
    expect((await backend.storage.read(key, { start: 0, end: content.length - 1 })).equals(content)).toBe(true);
    expect((await backend.storage.read(key, { start: 65_000, end: 65_099 })).equals(content.subarray(65_000, 65_100))).toBe(true);
    expect((await backend.storage.read(key, { start: content.length - 1, end: content.length - 1 })).equals(content.subarray(-1))).toBe(
      true,
    );
    await expect(backend.storage.read(key, { start: content.length - 10, end: content.length + 9 })).rejects.toMatchObject({
      reason: 'NOT_FOUND',
    });
  });

  it('stores an empty file', async () => {
    const empty = Buffer.alloc(0);
    const key = keyFor(empty);
    await backend.storage.put(key, bodyOf(empty), expectedOf(empty));
    expect((await readAll(await backend.storage.open(key))).length).toBe(0);
  });

  it('refuses a wrong hash, a short body, too many bytes and a broken body, and none of them becomes visible', async () => {
    const content = randomBytes(50_000);
    const key = keyFor(content);
    const tampered = Buffer.from(content);
    tampered[10] = tampered[10]! ^ 0xff;
    await expect(backend.storage.put(key, bodyOf(tampered), expectedOf(content))).rejects.toMatchObject({ reason: 'HASH_MISMATCH' });
    await expect(backend.storage.put(key, bodyOf(content.subarray(1)), expectedOf(content))).rejects.toMatchObject({
      reason: 'SIZE_MISMATCH',
    });
    const longer = Buffer.concat([content, Buffer.from('x')]);
    await expect(backend.storage.put(key, bodyOf(longer), expectedOf(content))).rejects.toMatchObject({ reason: 'TOO_LARGE' });
    let sent = false;
    const broken = new Readable({
      read() {
        if (sent) this.destroy(new Error('the client hung up'));
        else this.push(content.subarray(0, 1000));
        sent = true;
      },
    });
    await expect(backend.storage.put(key, broken, expectedOf(content))).rejects.toMatchObject({ reason: 'ABORTED' });

    expect(await backend.storage.exists(key)).toBe(false);
    await expect(backend.storage.open(key)).rejects.toMatchObject({ reason: 'NOT_FOUND' });
  });

  it('leaves a stored object as it was when a later write under its key is refused', async () => {
    const content = randomBytes(20_000);
    const key = keyFor(content);
    await backend.storage.put(key, bodyOf(content), expectedOf(content));
    await expect(backend.storage.put(key, bodyOf(randomBytes(20_000)), expectedOf(content))).rejects.toMatchObject({
      reason: 'HASH_MISMATCH',
    });
    expect((await readAll(await backend.storage.open(key))).equals(content)).toBe(true);
  });

  it('streams a large file in: the store has most of it before the body ends, and ranges across parts read right', async () => {
    const content = randomBytes(12 * MiB + 4321);
    const key = keyFor(content);
    const before = backend.receivedBytes();
    // The rest of the body is sent only once the store holds 5 MiB of the first 6: a store that waited for the whole
    // file would never get there (and this put would fail).
    const body = Readable.from(
      (async function* () {
        yield* bodyOf(content.subarray(0, 6 * MiB));
        await waitFor(() => backend.receivedBytes() - before >= 5 * MiB);
        yield* bodyOf(content.subarray(6 * MiB));
      })(),
    );
    await backend.storage.put(key, body, expectedOf(content));
    expect((await readAll(await backend.storage.open(key))).equals(content)).toBe(true);
    const across = await readAll(await backend.storage.open(key, { start: 5 * MiB - 100, end: 10 * MiB + 100 }));
    expect(across.equals(content.subarray(5 * MiB - 100, 10 * MiB + 101))).toBe(true);
  });

  it('refuses a large file whose hash or size is wrong after streaming it, and nothing becomes visible', async () => {
    const content = randomBytes(11 * MiB);
    const key = keyFor(content);
    const wrongHash = { ...expectedOf(content), sha256: sha256('something else') };
    await expect(backend.storage.put(key, bodyOf(content), wrongHash)).rejects.toMatchObject({ reason: 'HASH_MISMATCH' });
    await expect(backend.storage.put(key, bodyOf(content.subarray(0, 10 * MiB)), expectedOf(content))).rejects.toMatchObject({
      reason: 'SIZE_MISMATCH',
    });
    await expect(backend.storage.put(key, bodyOf(content), { ...expectedOf(content), byteSize: BigInt(6 * MiB) })).rejects.toMatchObject({
      reason: 'TOO_LARGE',
    });
    expect(await backend.storage.exists(key)).toBe(false);
    await expect(backend.storage.open(key)).rejects.toMatchObject({ reason: 'NOT_FOUND' });
  });

  it('says NOT_FOUND for a missing object, and deletes (twice, harmlessly)', async () => {
    const content = randomBytes(1000);
    const key = keyFor(content);
    await expect(backend.storage.open(key)).rejects.toMatchObject({ reason: 'NOT_FOUND' });
    expect(await backend.storage.exists(key)).toBe(false);
    await backend.storage.put(key, bodyOf(content), expectedOf(content));
    expect((await backend.storage.read(key, { start: 0, end: 9 })).equals(content.subarray(0, 10))).toBe(true);
    await backend.storage.delete(key);
    await backend.storage.delete(key);
    expect(await backend.storage.exists(key)).toBe(false);
    await expect(backend.storage.open(key, { start: 0, end: 9 })).rejects.toMatchObject({ reason: 'NOT_FOUND' });
    // Read a moment ago, deleted since: not served from anything kept open.
    await expect(backend.storage.read(key, { start: 0, end: 9 })).rejects.toMatchObject({ reason: 'NOT_FOUND' });
  });
});

const FILES = `query($id: ID!) { datasetVersion(id: $id) { files { path uploaded } } }`;
const CREATE_UPLOAD = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { upload { url } } }`;

/** A draft version declaring one file, with an upload opened for it. */
async function draftUpload(app: TestApp, vendor: Org, content: Buffer) {
  const datasetId = await createDataset(app, vendor);
  const file = dataFile('data/part-0.bin', content, 10);
  const versionId = ok(await app.gql(CREATE_VERSION, { input: versionInput(datasetId, { files: [file] }) }, vendor.key))
    .createDatasetVersion.datasetVersion.id as string;
  const upload = ok(await app.gql(CREATE_UPLOAD, { input: { versionId, path: file.path } }, vendor.key)).createUpload.upload;
  const put = (body: Buffer) =>
    fetch(`${app.url}${upload.url}`, { method: 'PUT', headers: { authorization: `Bearer ${vendor.key}` }, body });
  const uploaded = async () => ok(await app.gql(FILES, { id: versionId }, vendor.key)).datasetVersion.files[0].uploaded as boolean;
  return { datasetId, versionId, put, uploaded };
}

const download = (app: TestApp, path: string, token: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  fetch(`${app.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...headers } });

/** What was recorded for a license, oldest first, once `count` events are written. */
async function usageOf(app: TestApp, licenseId: string, count: number) {
  const query = () =>
    app.database.pool.query<{ status: number; bytes: string; rows: string }>(
      'SELECT status, bytes, rows FROM usage_events WHERE license_id = $1 ORDER BY served_at, id',
      [licenseId],
    );
  await waitFor(async () => (await query()).rows.length >= count);
  return (await query()).rows;
}

/** A backend and a server on it (`env` added to its settings), started for the enclosing describe and stopped after. */
function serverOn(start: () => Promise<StorageBackend>, env: Record<string, string> = {}) {
  const on = {} as { backend: StorageBackend; app: TestApp; vendor: Org; buyer: Org };
  beforeAll(async () => {
    on.backend = await start();
    on.app = await startTestApp({ ...on.backend.env, ...env });
    [on.vendor, on.buyer] = await Promise.all([signUp(on.app, 'VENDOR'), signUp(on.app, 'BUYER')]);
  });
  afterAll(async () => {
    await on.app?.close();
    await on.backend?.stop();
  });
  return on;
}

const startS3 = STORAGE_BACKENDS.find((b) => b.backend === 's3')!.start;

describe('file storage reads', () => {
  const backend = {} as { current: StorageBackend };
  beforeAll(async () => {
    backend.current = await STORAGE_BACKENDS.find((b) => b.backend === 'file')!.start();
  });
  afterAll(async () => {
    await backend.current?.stop();
  });
  /** Files under the store's directory this process has open (Linux). */
  const openFiles = () => {
    const directory = backend.current.env.ASSAY_STORAGE_URL!.replace('file://', '');
    return fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(directory);
      } catch {
        return false; // closed meanwhile
      }
    }).length;
  };

  it('keep a bounded number of files open however many objects are read, and none once closed', async () => {
    const { storage } = backend.current;
    const contents = Array.from({ length: 600 }, (_, i) => Buffer.from(`object ${i}`));
    const keys = contents.map(keyFor);
    for (const [i, content] of contents.entries()) await storage.put(keys[i]!, bodyOf(content), expectedOf(content));
    expect(openFiles()).toBe(0);
    for (let round = 0; round < 2; round++) {
      for (const [i, key] of keys.entries()) {
        expect((await storage.read(key, { start: 0, end: contents[i]!.length - 1 })).equals(contents[i]!)).toBe(true);
      }
    }
    const during = openFiles();
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThan(300);
    await storage.close();
    await waitFor(() => openFiles() === 0);
  });
});

describe.each(STORAGE_BACKENDS)('uploads and downloads over HTTP with $backend storage', ({ start }) => {
  const on = serverOn(start);

  it('takes a large upload, publishes it and serves it whole and by range, recording the bytes sent', async () => {
    const { app, vendor, buyer } = on;
    const content = randomBytes(11 * MiB + 123);
    const { datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/big.bin', content, 500)] });
    const { licenseId, token } = await licensedToken(app, vendor, buyer, datasetId);
    const path = `/data/${versionId}/data/big.bin`;
    const whole = await download(app, path, token);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('etag')).toBe(`"${sha256(content)}"`);
    expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(content));
    const span = await download(app, path, token, { range: `bytes=${5 * MiB - 3}-${5 * MiB + 3}` });
    expect(span.status).toBe(206);
    expect(span.headers.get('content-range')).toBe(`bytes ${5 * MiB - 3}-${5 * MiB + 3}/${content.length}`);
    expect(Buffer.from(await span.arrayBuffer()).equals(content.subarray(5 * MiB - 3, 5 * MiB + 4))).toBe(true);
    expect(await usageOf(app, licenseId, 2)).toEqual([
      { status: 200, bytes: String(content.length), rows: '500' },
      { status: 206, bytes: '7', rows: '0' },
    ]);
  });

  it('refuses an upload whose bytes do not match, and the file stays missing for publishing', async () => {
    const { app, backend, vendor } = on;
    const content = randomBytes(6 * MiB);
    const { versionId, put, uploaded } = await draftUpload(app, vendor, content);
    const res = await put(randomBytes(6 * MiB));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'HASH_MISMATCH' });
    expect(await uploaded()).toBe(false);
    expectError(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key), 'BAD_USER_INPUT', 'input.files.0');
    expect(await backend.storage.exists(blobKey(versionId, sha256(content)))).toBe(false);
  });
});

describe('an S3 store that goes away', () => {
  const on = serverOn(startS3);

  it('during an upload: 503, nothing stored, and the same upload succeeds once the store is back', async () => {
    const { app, backend, vendor } = on;
    const content = randomBytes(7 * MiB);
    const { versionId, put, uploaded } = await draftUpload(app, vendor, content);
    // The store dies while the first part is on its way to it.
    backend.proxy!.cutAfter(2 * MiB);
    const refused = await put(content);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/nothing was stored/) });
    expect(await uploaded()).toBe(false);
    expectError(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key), 'BAD_USER_INPUT', 'input.files.0');
    // Down from the start of an upload: the same answer.
    expect((await put(content)).status).toBe(503);

    await backend.proxy!.up();
    expect(await backend.storage.exists(blobKey(versionId, sha256(content)))).toBe(false);
    expect((await put(content)).status).toBe(200);
    expect(await uploaded()).toBe(true);
    ok(await app.gql(PUBLISH_VERSION, { id: versionId }, vendor.key));
  });

  it('during a download: 503, and no usage is recorded or held against the cap for it', async () => {
    const { app, backend, vendor, buyer } = on;
    const content = randomBytes(100_000);
    const { datasetId, versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/small.bin', content, 10)] });
    // One request a month: a refused download that counted would leave none for the one that is served.
    const { licenseId, token } = await licensedToken(app, vendor, buyer, datasetId, {
      pricingModel: 'USAGE',
      currency: 'usd',
      usageUnit: 'REQUEST',
      unitAmountCents: 1,
      usageCap: 1,
    });
    const path = `/data/${versionId}/data/small.bin`;
    await backend.proxy!.down();
    for (const headers of [{}, { range: 'bytes=0-99' }] as Record<string, string>[]) {
      const res = await download(app, path, token, headers);
      expect(res.status).toBe(503);
      expect(res.headers.get('etag')).toBeNull();
      expect(res.headers.get('content-range')).toBeNull();
      expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'The file store is unavailable; try again shortly' });
    }
    await backend.proxy!.up();
    const served = await download(app, path, token);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(content)).toBe(true);
    expect((await download(app, path, token)).status).toBe(402);
    // Only the download that was served is there (the two refused ones, had they been recorded, would come first).
    expect(await usageOf(app, licenseId, 1)).toEqual([{ status: 200, bytes: String(content.length), rows: '10' }]);
  });
});

describe('downloads redirected to the S3 store (ASSAY_DOWNLOAD_REDIRECT=1)', () => {
  const on = serverOn(startS3, { ASSAY_DOWNLOAD_REDIRECT: '1', ASSAY_DOWNLOAD_REDIRECT_MIN_BYTES: String(64 * 1024) });
  const big = randomBytes(256 * 1024);
  let datasetId: string;
  let versionId: string;
  beforeAll(async () => {
    ({ datasetId, versionId } = await publishDataset(
      on.app,
      on.vendor,
      {},
      { files: [dataFile('data/big.bin', big, 200), dataFile('data/small.txt', 'small enough to proxy', 1)] },
    ));
  });

  it('answers a large download with a presigned URL, records its usage then, and proxies small ones', async () => {
    const { app, backend, vendor, buyer } = on;
    const { licenseId, token } = await licensedToken(app, vendor, buyer, datasetId);
    const path = `/data/${versionId}/data/big.bin`;
    const redirect = await download(app, path, token, {}, { redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('content-length')).toBe('0');
    expect(redirect.headers.get('etag')).toBeNull();
    const location = new URL(redirect.headers.get('location')!);
    expect(location.origin).toBe(backend.env.AWS_ENDPOINT_URL_S3);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('60');
    const fromStore = await fetch(location);
    expect(fromStore.status).toBe(200);
    expect(fromStore.headers.get('content-disposition')).toBe('attachment; filename="big.bin"');
    expect(Buffer.from(await fromStore.arrayBuffer()).equals(big)).toBe(true);

    // A client that follows redirects gets the bytes, ranges too (its Authorization header stays behind: another
    // origin); the threshold is on the response, so a small range is proxied.
    const followed = await download(app, path, token, { range: `bytes=100-${100 + 100 * 1024 - 1}` });
    expect(followed.redirected).toBe(true);
    expect(followed.status).toBe(206);
    expect(Buffer.from(await followed.arrayBuffer()).equals(big.subarray(100, 100 + 100 * 1024))).toBe(true);
    const smallRange = await download(app, path, token, { range: 'bytes=0-99' }, { redirect: 'manual' });
    expect(smallRange.status).toBe(206);
    expect(Buffer.from(await smallRange.arrayBuffer()).equals(big.subarray(0, 100))).toBe(true);
    const small = await download(app, `/data/${versionId}/data/small.txt`, token, {}, { redirect: 'manual' });
    expect(small.status).toBe(200);
    expect(await small.text()).toBe('small enough to proxy');

    // A redirect is recorded when it is issued, at the size of the response it stands for.
    expect(await usageOf(app, licenseId, 4)).toEqual([
      { status: 307, bytes: String(big.length), rows: '200' },
      { status: 307, bytes: String(100 * 1024), rows: '0' },
      { status: 206, bytes: '100', rows: '0' },
      { status: 200, bytes: '21', rows: '1' },
    ]);
  });

  it('checks the token and the usage cap before redirecting', async () => {
    const { app, vendor, buyer } = on;
    const path = `/data/${versionId}/data/big.bin`;
    const unauthenticated = await download(app, path, 'not-a-token', {}, { redirect: 'manual' });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('location')).toBeNull();
    const { token } = await licensedToken(app, vendor, buyer, datasetId, {
      pricingModel: 'USAGE',
      currency: 'usd',
      usageUnit: 'REQUEST',
      unitAmountCents: 1,
      usageCap: 2,
    });
    for (let i = 0; i < 2; i++) expect((await download(app, path, token, {}, { redirect: 'manual' })).status).toBe(307);
    const capped = await download(app, path, token, {}, { redirect: 'manual' });
    expect(capped.status).toBe(402);
    expect(capped.headers.get('location')).toBeNull();
  });
});

describe('S3 object keys', () => {
  const on = serverOn(startS3);

  it('keeps every object of an upload under the configured prefix, content-addressed per version', async () => {
    const { app, backend, vendor } = on;
    const content = randomBytes(6 * MiB);
    const { versionId } = await publishDataset(app, vendor, {}, { files: [dataFile('data/keyed.bin', content, 1)] });
    const prefix = backend.env.ASSAY_STORAGE_URL!.replace(`s3://${S3_BUCKET}/`, '');
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: backend.env.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
      credentials: S3_CREDENTIALS,
    });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: S3_BUCKET }));
      const keys = (listed.Contents ?? []).map((o) => o.Key);
      expect(keys).toEqual([`${prefix}/versions/${versionId}/${sha256(content)}`]);
      expect(listed.Contents![0]!.Size).toBe(content.length);
    } finally {
      client.destroy();
    }
  });
});
