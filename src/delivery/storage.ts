import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StorageSettings } from '../config.js';

/** Why a write was refused; the caller maps it to an HTTP status. */
export class StorageWriteError extends Error {
  constructor(
    /** `UNAVAILABLE`: the store itself failed (an object store that is down); the same upload may be sent again. */
    readonly reason: 'TOO_LARGE' | 'SIZE_MISMATCH' | 'HASH_MISMATCH' | 'ABORTED' | 'UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

/** Why bytes could not be opened; raised before any byte is sent, so the caller can still answer with a status. */
export class StorageReadError extends Error {
  constructor(
    /** `NOT_FOUND`: nothing stored under the key; `UNAVAILABLE`: the store did not answer (try again later). */
    readonly reason: 'NOT_FOUND' | 'UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

/** What an upload must turn out to be: its declared size and SHA-256 (hex). */
export interface ExpectedContent {
  byteSize: bigint;
  sha256: string;
}

/** A byte range, both ends inclusive. */
export interface ByteSpan {
  start: number;
  end: number;
}

/**
 * Where dataset bytes live. Keys are opaque, chosen by us (never from a client path): `LocalFileStorage` keeps them
 * on disk, `S3FileStorage` in an S3-compatible bucket; both pass the same suite (test/support/storage-contract.ts).
 */
export interface FileStorage {
  /** Streams `body` in, verifying size and SHA-256 on the way; nothing is visible under `key` unless both match. */
  put(key: string, body: Readable, expected: ExpectedContent): Promise<void>;
  /**
   * A stream of bytes `start..end` inclusive (the whole object without a range). Rejects with `StorageReadError`
   * when the object is missing or the store is down, before a byte is sent.
   */
  open(key: string, range?: ByteSpan): Promise<Readable>;
  /**
   * Bytes `start..end` inclusive, in memory: for a small response sent in one write, without a stream's machinery.
   * Rejects like `open` (and with `NOT_FOUND` when the object is shorter than the span).
   */
  read(key: string, span: ByteSpan): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * A short-lived URL that serves the object (or `range` of it) straight from the store, for stores that can hand
   * one out (undefined otherwise); `fileName` is the download's suggested name.
   */
  presignedDownload?(key: string, options: { expiresInSeconds: number; fileName: string }): Promise<string>;
  /** Lets go of connections to the store. */
  close(): Promise<void>;
}

/**
 * Counts and hashes the bytes passing through, failing with `TOO_LARGE` as soon as they pass the declared size;
 * `verify()` at the end says whether size and hash match. Every backend checks uploads with this one meter.
 * @example const meter = new ContentMeter(expected); await pipeline(body, meter, sink); meter.verify();
 */
export class ContentMeter extends Transform {
  private readonly hash = createHash('sha256');
  private received = 0n;

  constructor(private readonly expected: ExpectedContent) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.received += BigInt(chunk.length);
    if (this.received > this.expected.byteSize) {
      done(new StorageWriteError('TOO_LARGE', `more than the declared ${this.expected.byteSize} bytes`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  /** Throws `SIZE_MISMATCH` or `HASH_MISMATCH` unless exactly the declared bytes went through. */
  verify(): void {
    if (this.received !== this.expected.byteSize) {
      throw new StorageWriteError('SIZE_MISMATCH', `received ${this.received} bytes, declared ${this.expected.byteSize}`);
    }
    const actual = this.hash.digest('hex');
    if (actual !== this.expected.sha256) {
      throw new StorageWriteError('HASH_MISMATCH', `SHA-256 is ${actual}, declared ${this.expected.sha256}`);
    }
  }
}

/** Keys are built from our own IDs and hashes only; anything else is a bug, never a path to follow. */
export function assertStorageKey(key: string): void {
  if (!/^[a-z0-9_]+(\/[a-z0-9_]+)*$/.test(key)) throw new Error(`invalid storage key ${key}`);
}

/**
 * Local-filesystem storage under a root directory: writes go to a temporary file first and are renamed into place
 * only after size and hash check out, so a refused or interrupted upload leaves nothing half-written visible.
 */
export class LocalFileStorage implements FileStorage {
  private readonly descriptors = new Map<string, Descriptor>();

  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    assertStorageKey(key);
    return path.join(this.root, key);
  }

  async put(key: string, body: Readable, expected: ExpectedContent): Promise<void> {
    const target = this.pathOf(key);
    const tmpDir = path.join(this.root, 'tmp');
    // Stored files are the vendors' data: readable by this user only.
    await fs.promises.mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
    const meter = new ContentMeter(expected);
    try {
      await pipeline(body, meter, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      meter.verify();
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await fs.promises.rename(tmp, target);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      if (err instanceof StorageWriteError) throw err;
      throw new StorageWriteError('ABORTED', 'the upload was interrupted');
    }
  }

  async open(key: string, range?: ByteSpan): Promise<Readable> {
    // Opened first, so a missing file is an answer (not an error in the middle of a response).
    const handle = await fs.promises.open(this.pathOf(key), 'r').catch((err: NodeJS.ErrnoException) => {
      throw openFailure(key, err);
    });
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async read(key: string, span: ByteSpan): Promise<Buffer> {
    const descriptor = this.descriptor(key);
    descriptor.users++;
    try {
      const fd = await descriptor.fd;
      const buffer = Buffer.allocUnsafe(span.end - span.start + 1);
      let at = 0;
      for (let n = -1; at < buffer.length && n !== 0; at += n) {
        n = await new Promise<number>((resolve, reject) =>
          fs.read(fd, buffer, at, buffer.length - at, span.start + at, (err, bytes) =>
            err ? reject(new StorageReadError('UNAVAILABLE', `cannot read ${key}: ${err.code ?? err.message}`)) : resolve(bytes),
          ),
        );
      }
      if (at < buffer.length) throw new StorageReadError('NOT_FOUND', `${key} ends before byte ${span.end}`);
      return buffer;
    } finally {
      descriptor.users--;
      if (descriptor.evicted) closeWhenUnused(descriptor);
    }
  }

  /**
   * The open descriptor of `key` (opened now when it is not), kept for the next reads: opening and closing cost two
   * thread-pool round trips a read, most of a small download's I/O. Keys are content-addressed, so a kept
   * descriptor always reads the bytes its key names; the least recently read go first.
   */
  private descriptor(key: string): Descriptor {
    const kept = this.descriptors.get(key);
    if (kept) {
      this.descriptors.delete(key);
      this.descriptors.set(key, kept);
      return kept;
    }
    const file = this.pathOf(key);
    const descriptor: Descriptor = {
      // The callback API: the FileHandle one costs several times the CPU per call (measured in the bench).
      fd: new Promise((resolve, reject) => fs.open(file, 'r', (err, fd) => (err ? reject(openFailure(key, err)) : resolve(fd)))),
      users: 0,
      evicted: false,
    };
    // A failed open is not kept.
    descriptor.fd.catch(() => this.forget(key, descriptor));
    this.descriptors.set(key, descriptor);
    if (this.descriptors.size > MAX_OPEN_DESCRIPTORS) this.forget(this.descriptors.keys().next().value!);
    return descriptor;
  }

  /** Stops keeping `key`'s descriptor (only `descriptor`, when given); it is closed once no read uses it. */
  private forget(key: string, descriptor = this.descriptors.get(key)): void {
    if (!descriptor || this.descriptors.get(key) !== descriptor) return;
    this.descriptors.delete(key);
    descriptor.evicted = true;
    closeWhenUnused(descriptor);
  }

  async exists(key: string): Promise<boolean> {
    return fs.promises.access(this.pathOf(key)).then(
      () => true,
      () => false,
    );
  }

  async delete(key: string): Promise<void> {
    this.forget(key);
    await fs.promises.rm(this.pathOf(key), { force: true });
  }

  async close(): Promise<void> {
    for (const key of [...this.descriptors.keys()]) this.forget(key);
  }
}

/** Descriptors of objects read lately, kept open (see `LocalFileStorage.descriptor`). */
const MAX_OPEN_DESCRIPTORS = 256;

interface Descriptor {
  fd: Promise<number>;
  /** Reads using it right now. */
  users: number;
  /** No longer kept: closed once `users` is 0. */
  evicted: boolean;
}

function closeWhenUnused(descriptor: Descriptor): void {
  if (descriptor.users > 0) return;
  descriptor.fd.then(
    (fd) => fs.close(fd, () => undefined),
    () => undefined,
  );
}

function openFailure(key: string, err: NodeJS.ErrnoException): StorageReadError {
  if (err.code === 'ENOENT') return new StorageReadError('NOT_FOUND', `nothing stored under ${key}`);
  return new StorageReadError('UNAVAILABLE', `cannot open ${key}: ${err.code ?? err.message}`);
}

/**
 * The storage `ASSAY_STORAGE_URL` names; the S3 client is loaded only when it is used.
 * @example const storage = await openFileStorage(config.storage); ... await storage.close();
 */
export async function openFileStorage(settings: StorageSettings): Promise<FileStorage> {
  if (settings.kind === 'file') return new LocalFileStorage(settings.directory);
  const { S3FileStorage } = await import('./s3-storage.js');
  return new S3FileStorage(settings);
}

/** The storage key of a version's blob: content-addressed, derived only from our own IDs and the hash. */
export function blobKey(versionId: string, sha256: string): string {
  return `versions/${versionId}/${sha256}`;
}
