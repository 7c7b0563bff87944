import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3StorageSettings } from '../config.js';
import {
  assertStorageKey,
  ContentMeter,
  StorageReadError,
  StorageWriteError,
  type ByteSpan,
  type ExpectedContent,
  type FileStorage,
} from './storage.js';

/** S3's smallest part (but the last) and most parts per upload. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** Parts being sent while the next one fills: memory per upload is at most (this + 1) parts. */
const PARTS_IN_FLIGHT = 2;
/** A store that does not accept a connection within this is down; one that stops answering mid-request, too. */
const CONNECT_TIMEOUT_MS = 5_000;
const SOCKET_TIMEOUT_MS = 60_000;

/**
 * The part size for a file of `byteSize`: S3's 5 MiB minimum, or more (whole MiB) so that it fits in 10,000 parts.
 * @example partSizeFor(100n * 1024n ** 3n) // 11 MiB
 */
export function partSizeFor(byteSize: bigint): number {
  const mib = 1024 * 1024;
  return Math.max(MIN_PART_BYTES, Math.ceil(Number(byteSize) / MAX_PARTS / mib) * mib);
}

/**
 * Dataset files in an S3-compatible bucket (AWS S3, MinIO, R2, ...) under a key prefix.
 *
 * An upload becomes visible only once its size and SHA-256 checked out: a file that fits in one part is held in
 * memory (at most one part) and written with one PutObject after the check; a larger one streams into a multipart
 * upload whose parts stay invisible until CompleteMultipartUpload, which is sent only after the check (and the
 * upload is aborted otherwise). Keys are content-addressed, so completing over an existing object rewrites the same
 * bytes. Parts are sent as buffers, so SigV4 signs their SHA-256 and the store rejects any part damaged on the way.
 */
export class S3FileStorage implements FileStorage {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(settings: S3StorageSettings) {
    this.bucket = settings.bucket;
    this.prefix = settings.prefix;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      // MinIO, R2 and most self-hosted stores want bucket names in the path, not in the host name.
      forcePathStyle: settings.forcePathStyle,
      // Unset: the SDK's default chain (instance, task or web-identity role credentials).
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      // Checksums only where an operation needs one: S3-compatible stores differ in the checksum headers they take.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: SOCKET_TIMEOUT_MS },
    });
  }

  private objectKey(key: string): string {
    assertStorageKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** Sends one request; a failing store becomes `UNAVAILABLE` (its own words stay in the message, for the log). */
  private async send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new StorageWriteError('UNAVAILABLE', `object store: ${what} failed: ${describe(err)}`);
    }
  }

  async put(key: string, body: Readable, expected: ExpectedContent): Promise<void> {
    const Key = this.objectKey(key);
    const meter = new ContentMeter(expected);
    const partSize = partSizeFor(expected.byteSize);
    let multipart: MultipartUpload | undefined;
    let held: Buffer[] = [];
    let heldBytes = 0;
    try {
      await pipeline(body, meter, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          held.push(chunk);
          heldBytes += chunk.length;
          while (heldBytes >= partSize) {
            const all = Buffer.concat(held, heldBytes);
            held = heldBytes > partSize ? [all.subarray(partSize)] : [];
            heldBytes -= partSize;
            multipart ??= await this.startMultipart(Key);
            await multipart.add(all.subarray(0, partSize));
          }
        }
      });
      meter.verify();
      const rest = Buffer.concat(held, heldBytes);
      if (!multipart) {
        await this.send('PutObject', () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: rest })));
        return;
      }
      if (rest.length > 0) await multipart.add(rest);
      await multipart.complete();
    } catch (err) {
      await multipart?.abort();
      if (err instanceof StorageWriteError) throw err;
      throw new StorageWriteError('ABORTED', 'the upload was interrupted');
    }
  }

  private async startMultipart(Key: string): Promise<MultipartUpload> {
    const created = await this.send('CreateMultipartUpload', () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key })),
    );
    return new MultipartUpload(this.client, this.bucket, Key, created.UploadId!, (what, call) => this.send(what, call));
  }

  async open(key: string, range?: ByteSpan): Promise<Readable> {
    const Key = this.objectKey(key);
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      return object.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new StorageReadError('NOT_FOUND', `nothing stored under ${key}`);
      throw new StorageReadError('UNAVAILABLE', `object store: GetObject failed: ${describe(err)}`);
    }
  }

  async read(key: string, span: ByteSpan): Promise<Buffer> {
    const body = await this.open(key, span);
    const bytes = await body.toArray().then(
      (chunks: Buffer[]) => Buffer.concat(chunks),
      (err: unknown) => {
        throw new StorageReadError('UNAVAILABLE', `object store: reading ${key} failed: ${describe(err)}`);
      },
    );
    if (bytes.length !== span.end - span.start + 1) throw new StorageReadError('NOT_FOUND', `${key} ends before byte ${span.end}`);
    return bytes;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw new StorageReadError('UNAVAILABLE', `object store: HeadObject failed: ${describe(err)}`);
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    await this.send('DeleteObject', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  async presignedDownload(key: string, options: { expiresInSeconds: number; fileName: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentType: 'application/octet-stream',
      ResponseContentDisposition: `attachment; filename="${encodeURIComponent(options.fileName)}"`,
      ResponseCacheControl: 'private, no-store',
    });
    // Signed locally: no request to the store.
    return getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** One multipart upload: parts go out (a few at once) as they fill; nothing is visible before `complete()`. */
class MultipartUpload {
  private readonly parts: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private nextPart = 1;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly uploadId: string,
    private readonly send: <T>(what: string, call: () => Promise<T>) => Promise<T>,
  ) {}

  /** Queues a part and waits while too many are being sent; throws the first part's failure. */
  async add(data: Buffer): Promise<void> {
    this.throwIfFailed();
    const PartNumber = this.nextPart++;
    const sent: Promise<void> = this.send('UploadPart', () =>
      this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: data })),
    ).then(
      (answer) => {
        this.parts.push({ PartNumber, ETag: answer.ETag! });
        this.inFlight.delete(sent);
      },
      (err: unknown) => {
        this.failure ??= err;
        this.inFlight.delete(sent);
      },
    );
    this.inFlight.add(sent);
    while (this.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  async complete(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    const Parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    await this.send('CompleteMultipartUpload', () =>
      this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts } }),
      ),
    );
  }

  /** Best effort: a store that is down keeps the parts (invisible) until its lifecycle rule removes them. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }))
      .catch(() => undefined);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is a misconfigured store, not a missing file.
  return e.name !== 'NoSuchBucket' && (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404);
}

/** The store's error name and message, or the network error's code (ECONNREFUSED, ...). */
function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  return [e.name, e.code, e.message].filter(Boolean).join(': ') || String(err);
}
