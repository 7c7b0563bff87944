import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestApp, type TestApp } from './support/app.js';
import { CREATE_VERSION, createDataset, dataFile, expectError, ok, signUp, versionInput, type Org } from './support/fixtures.js';

const CREATE_UPLOAD = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { upload { id url } } }`;
const FILES = `query($id: ID!) { datasetVersion(id: $id) { files { path uploaded } } }`;

const apps: TestApp[] = [];
afterAll(() => Promise.all(apps.map((a) => a.close())));

const body = (n: number, fill = 'x') => fill.repeat(n);

/** A draft version of a new dataset declaring `files` (each `[path, content]`). */
async function draft(app: TestApp, vendor: Org, files: [string, string][]) {
  const datasetId = await createDataset(app, vendor);
  const declared = files.map(([path, content]) => dataFile(path, content, 1));
  return app.gql(CREATE_VERSION, { input: versionInput(datasetId, { files: declared }) }, vendor.key);
}
const openUpload = async (app: TestApp, vendor: Org, versionId: string, path: string) =>
  ok(await app.gql(CREATE_UPLOAD, { input: { versionId, path } }, vendor.key)).createUpload.upload as { id: string; url: string };
const put = (app: TestApp, url: string, content: string, key: string) =>
  fetch(`${app.url}${url}`, { method: 'PUT', headers: { authorization: `Bearer ${key}` }, body: content });

describe('uploads of a vendor that is not approved', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
    apps.push(app);
  });

  it('cannot open an upload, and cannot store bytes on one opened before it lost approval (refused before the body)', async () => {
    const pending = await signUp(app, 'VENDOR', { approve: false });
    const versionId = ok(await draft(app, pending, [['data/a.csv', body(10)]])).createDatasetVersion.datasetVersion.id;
    expectError(await app.gql(CREATE_UPLOAD, { input: { versionId, path: 'data/a.csv' } }, pending.key), 'FORBIDDEN');

    const vendor = await signUp(app, 'VENDOR');
    const own = ok(await draft(app, vendor, [['data/a.csv', body(10)]])).createDatasetVersion.datasetVersion.id;
    const upload = await openUpload(app, vendor, own, 'data/a.csv');
    await app.database.pool.query(`UPDATE organizations SET vendor_status = 'SUSPENDED' WHERE id = $1`, [vendor.id]);
    const res = await put(app, upload.url, body(10), vendor.key);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: 'FORBIDDEN',
      code: 'FORBIDDEN',
      message: 'Your vendor organization must be approved by an admin before it can store files',
    });
    expect(res.headers.get('connection')).toBe('close');
    expect(ok(await app.gql(FILES, { id: own }, vendor.key)).datasetVersion.files[0].uploaded).toBe(false);
  });
});

describe('file size limit and storage quota', () => {
  let app: TestApp;
  let vendor: Org;
  beforeAll(async () => {
    app = await startTestApp({ ASSAY_MAX_FILE_BYTES: '60', ASSAY_VENDOR_STORAGE_QUOTA_BYTES: '100' });
    apps.push(app);
    vendor = await signUp(app, 'VENDOR');
  });

  it('refuses a declared file over the size limit as BAD_USER_INPUT on its byteSize', async () => {
    const res = await draft(app, vendor, [
      ['data/ok.csv', body(60)],
      ['data/big.csv', body(61)],
    ]);
    expectError(res, 'BAD_USER_INPUT', 'input.files.1.byteSize');
    expect(res.errors![0]!.message).toBe('input.files.1.byteSize: a file may be at most 60 bytes');
  });

  it('counts stored bytes against the quota at declaration, at createUpload and at the upload itself', async () => {
    const first = ok(
      await draft(app, vendor, [
        ['data/a.csv', body(50, 'a')],
        ['data/b.csv', body(50, 'b')],
      ]),
    ).createDatasetVersion.datasetVersion.id;
    const second = ok(await draft(app, vendor, [['data/c.csv', body(50, 'c')]])).createDatasetVersion.datasetVersion.id;
    const a = await openUpload(app, vendor, first, 'data/a.csv');
    const c = await openUpload(app, vendor, second, 'data/c.csv');
    expect((await put(app, a.url, body(50, 'a'), vendor.key)).status).toBe(200);
    // The same bytes again add nothing.
    expect((await put(app, a.url, body(50, 'a'), vendor.key)).status).toBe(200);
    // 50 stored + 60 declared > 100.
    const over = await draft(app, vendor, [['data/d.csv', body(60, 'd')]]);
    expectError(over, 'BAD_USER_INPUT', 'input.files');
    expect(over.errors![0]!.message).toBe(
      "input.files: storing 60 more bytes would exceed your organization's storage quota of 100 bytes (50 stored)",
    );
    const b = await openUpload(app, vendor, first, 'data/b.csv');
    expect((await put(app, b.url, body(50, 'b'), vendor.key)).status).toBe(200);
    // 100 stored: c (opened earlier) cannot be stored, nor opened again.
    const refused = await put(app, c.url, body(50, 'c'), vendor.key);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({
      error: 'QUOTA_EXCEEDED',
      code: 'QUOTA_EXCEEDED',
      message: "storing 50 more bytes would exceed your organization's storage quota of 100 bytes (100 stored)",
    });
    expectError(
      await app.gql(CREATE_UPLOAD, { input: { versionId: second, path: 'data/c.csv' } }, vendor.key),
      'BAD_USER_INPUT',
      'input.path',
    );
    expect(ok(await app.gql(FILES, { id: second }, vendor.key)).datasetVersion.files[0].uploaded).toBe(false);
    // Another vendor has its own quota.
    const other = await signUp(app, 'VENDOR');
    ok(await draft(app, other, [['data/e.csv', body(60, 'e')]]));
  });
});

describe('receive timeout', () => {
  let app: TestApp;
  let vendor: Org;
  beforeAll(async () => {
    app = await startTestApp({ ASSAY_RECEIVE_TIMEOUT_MS: '400' });
    apps.push(app);
    vendor = await signUp(app, 'VENDOR');
  });

  /** PUTs `chunks` with `gapMs` between them (then ends, unless `stall`); resolves with the status or the error. */
  function slowPut(url: string, chunks: string[], gapMs: number, stall = false): Promise<{ status?: number; error?: string; ms: number }> {
    const started = performance.now();
    const length = chunks.reduce((n, c) => n + c.length, 0);
    return new Promise((resolve) => {
      const u = new URL(app.url);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: url,
          method: 'PUT',
          headers: { authorization: `Bearer ${vendor.key}`, 'content-length': length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
        },
      );
      req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message, ms: performance.now() - started }));
      const send = (i: number) => {
        if (i === chunks.length) return stall ? undefined : req.end();
        req.write(chunks[i]);
        setTimeout(() => send(i + 1), gapMs);
      };
      send(0);
    });
  }

  it('lets an upload that keeps making progress take longer than the timeout, and cuts one that stalls', async () => {
    const chunks = Array.from({ length: 8 }, (_, i) => body(100, String(i)));
    const content = chunks.join('');
    const versionId = ok(await draft(app, vendor, [['data/slow.csv', content]])).createDatasetVersion.datasetVersion.id;
    const upload = await openUpload(app, vendor, versionId, 'data/slow.csv');
    // 8 chunks 150 ms apart: about 1.2 s in all, three times the timeout, never 400 ms without a byte.
    const steady = await slowPut(upload.url, chunks, 150);
    expect(steady.status).toBe(200);
    expect(steady.ms).toBeGreaterThan(1000);
    expect(ok(await app.gql(FILES, { id: versionId }, vendor.key)).datasetVersion.files[0].uploaded).toBe(true);

    const stalledVersion = ok(await draft(app, vendor, [['data/stall.csv', content]])).createDatasetVersion.datasetVersion.id;
    const stalledUpload = await openUpload(app, vendor, stalledVersion, 'data/stall.csv');
    const stalled = await slowPut(stalledUpload.url, chunks.slice(0, 3), 50, true);
    expect(stalled.status === undefined || stalled.status >= 400, JSON.stringify(stalled)).toBe(true);
    expect(stalled.ms).toBeLessThan(3000);
    expect(ok(await app.gql(FILES, { id: stalledVersion }, vendor.key)).datasetVersion.files[0].uploaded).toBe(false);
  });

  it('still cuts a GraphQL request whose body has not arrived whole within the timeout', async () => {
    const started = performance.now();
    const outcome = await new Promise<string>((resolve) => {
      const u = new URL(app.url);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: '/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': 100 },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(`status ${res.statusCode}`));
        },
      );
      req.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? 'error'));
      req.write('{"query":');
    });
    expect(outcome).toMatch(/ECONNRESET|socket hang up|status 4/);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('storage settings', () => {
  it('default to 100 GiB per file and 1 TiB per vendor, and refuse nonsense naming the variable', () => {
    const base = { DATABASE_URL: 'postgres://localhost/x' };
    expect(loadConfig(base).limits.storage).toEqual({ maxFileBytes: 100 * 1024 ** 3, vendorQuotaBytes: 1024 ** 4 });
    expect(loadConfig({ ...base, ASSAY_MAX_FILE_BYTES: '10', ASSAY_VENDOR_STORAGE_QUOTA_BYTES: '0' }).limits.storage).toEqual({
      maxFileBytes: 10,
      vendorQuotaBytes: 0,
    });
    expect(() => loadConfig({ ...base, ASSAY_MAX_FILE_BYTES: '0' })).toThrow(/ASSAY_MAX_FILE_BYTES/);
    expect(() => loadConfig({ ...base, ASSAY_VENDOR_STORAGE_QUOTA_BYTES: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ASSAY_VENDOR_STORAGE_QUOTA_BYTES: 'lots' })).toThrow(/ASSAY_VENDOR_STORAGE_QUOTA_BYTES/);
  });
});
