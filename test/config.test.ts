import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('configuration defaults', () => {
  it('listens on loopback unless HOST deliberately exposes the server', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});

describe('storage settings (ASSAY_STORAGE_URL and the AWS variables)', () => {
  const S3 = { ASSAY_STORAGE_URL: 's3://assay-files/prod/data/', AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' };
  const refused = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('keeps files under the data directory by default, or in the directory a file: URL names', () => {
    expect(loadConfig({ ASSAY_DATA_DIR: '/srv/assay' }).storage).toEqual({ kind: 'file', directory: '/srv/assay/files' });
    expect(loadConfig({ ASSAY_DATA_DIR: '/srv/assay', ASSAY_STORAGE_URL: 'file:' }).storage).toEqual({
      kind: 'file',
      directory: '/srv/assay/files',
    });
    expect(loadConfig({ ASSAY_STORAGE_URL: 'file:///var/lib/assay-files' }).storage).toEqual({
      kind: 'file',
      directory: '/var/lib/assay-files',
    });
    expect(loadConfig({ ASSAY_STORAGE_URL: 'file:/mnt/files' }).storage).toEqual({ kind: 'file', directory: '/mnt/files' });
    expect(loadConfig({}).downloadRedirect).toBeUndefined();
  });

  it('reads an s3:// URL with the standard AWS variables, path-style for a custom endpoint', () => {
    expect(loadConfig({ ...S3, AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'secret' }).storage).toEqual({
      kind: 's3',
      bucket: 'assay-files',
      prefix: 'prod/data',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIA1', secretAccessKey: 'secret' },
    });
    // AWS itself: virtual-hosted URLs, the SDK's own credentials chain; the S3-specific endpoint wins over the general one.
    expect(loadConfig({ ASSAY_STORAGE_URL: 's3://assay-files', AWS_REGION: 'eu-west-1' }).storage).toMatchObject({
      prefix: '',
      region: 'eu-west-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
    });
    expect(loadConfig({ ...S3, AWS_ENDPOINT_URL_S3: 'https://r2.example.com' }).storage).toMatchObject({
      endpoint: 'https://r2.example.com',
    });
  });

  it('turns redirected downloads on only for an object store', () => {
    expect(loadConfig({ ...S3, ASSAY_DOWNLOAD_REDIRECT: '1' }).downloadRedirect).toEqual({
      minBytes: 64 * 1024 ** 2,
      expiresInSeconds: 60,
    });
    expect(
      loadConfig({
        ...S3,
        ASSAY_DOWNLOAD_REDIRECT: '1',
        ASSAY_DOWNLOAD_REDIRECT_MIN_BYTES: '1000',
        ASSAY_DOWNLOAD_REDIRECT_TTL_SECONDS: '5',
      }).downloadRedirect,
    ).toEqual({ minBytes: 1000, expiresInSeconds: 5 });
    expect(refused({ ASSAY_DOWNLOAD_REDIRECT: '1' })).toMatch(/ASSAY_DOWNLOAD_REDIRECT needs an s3:\/\/ ASSAY_STORAGE_URL/);
  });

  it('refuses bad values, one clear message each', () => {
    expect(refused({ ASSAY_STORAGE_URL: 'ftp://files' })).toMatch(
      /ASSAY_STORAGE_URL: must be file:, file:<directory> or s3:\/\/bucket\/prefix/,
    );
    expect(refused({ ASSAY_STORAGE_URL: 'file://otherhost/files' })).toMatch(
      /ASSAY_STORAGE_URL: a file:\/\/ URL must name a local absolute path/,
    );
    expect(refused({ ...S3, ASSAY_STORAGE_URL: 's3://Not_A_Bucket/x' })).toMatch(/ASSAY_STORAGE_URL: the bucket must be 3 to 63/);
    expect(refused({ ...S3, ASSAY_STORAGE_URL: 's3://assay-files/a b' })).toMatch(/ASSAY_STORAGE_URL: the prefix may hold/);
    expect(refused({ ASSAY_STORAGE_URL: 's3://assay-files' })).toMatch(/AWS_REGION is required/);
    expect(refused({ ...S3, AWS_ACCESS_KEY_ID: 'AKIA1' })).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together/);
    expect(refused({ ...S3, AWS_ENDPOINT_URL_S3: 'ftp://minio' })).toMatch(/AWS_ENDPOINT_URL_S3: must be an http:\/\/ or https:\/\/ URL/);
    expect(refused({ ...S3, AWS_REGION: 'Europe West' })).toMatch(/AWS_REGION: must be a region name/);
    expect(refused({ ...S3, ASSAY_DOWNLOAD_REDIRECT_TTL_SECONDS: '86400' })).toMatch(/ASSAY_DOWNLOAD_REDIRECT_TTL_SECONDS/);
  });
});

describe('ASSAY_OPENLINEAGE_URL', () => {
  it('names a Marquez-compatible base URL; events go to its /api/v1/lineage', () => {
    expect(loadConfig({}).openLineage.endpoint).toBeUndefined();
    expect(loadConfig({ ASSAY_OPENLINEAGE_URL: 'http://marquez:5000' }).openLineage.endpoint).toBe('http://marquez:5000/api/v1/lineage');
    expect(loadConfig({ ASSAY_OPENLINEAGE_URL: 'https://lineage.example/api/v1/lineage/' }).openLineage.endpoint).toBe(
      'https://lineage.example/api/v1/lineage',
    );
    expect(() => loadConfig({ ASSAY_OPENLINEAGE_URL: 'ftp://marquez' })).toThrow(/ASSAY_OPENLINEAGE_URL: must be an http\(s\) URL/);
    expect(() => loadConfig({ ASSAY_OPENLINEAGE_URL: 'marquez' })).toThrow(/ASSAY_OPENLINEAGE_URL/);
  });
});
