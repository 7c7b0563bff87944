import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Why a write was refused; the caller maps it to an HTTP status. */
export class StorageWriteError extends Error {
  constructor(
    readonly reason: 'TOO_LARGE' | 'SIZE_MISMATCH' | 'HASH_MISMATCH' | 'ABORTED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where dataset bytes live. Keys are opaque, chosen by us (never from a client path); an S3-compatible store can
 * implement the same four operations.
 */
export interface FileStorage {
  /** Streams `body` in, verifying size and SHA-256 on the way; nothing is visible under `key` unless both match. */
  put(key: string, body: Readable, expected: { byteSize: bigint; sha256: string }): Promise<void>;
  /** A stream of bytes `start..end` inclusive (the whole object without a range). */
  read(key: string, range?: { start: number; end: number }): Readable;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/**
 * Local-filesystem storage under a root directory: writes go to a temporary file first and are renamed into place
 * only after size and hash check out, so a refused or interrupted upload leaves nothing half-written visible.
 */
export class LocalFileStorage implements FileStorage {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    if (!/^[a-z0-9_]+(\/[a-z0-9_]+)*$/.test(key)) throw new Error(`invalid storage key ${key}`);
    return path.join(this.root, key);
  }

  async put(key: string, body: Readable, expected: { byteSize: bigint; sha256: string }): Promise<void> {
    const target = this.pathOf(key);
    const tmpDir = path.join(this.root, 'tmp');
    // Stored files are the vendors' data: readable by this user only.
    await fs.promises.mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
    const hash = createHash('sha256');
    let received = 0n;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += BigInt(chunk.length);
        if (received > expected.byteSize) {
          done(new StorageWriteError('TOO_LARGE', `more than the declared ${expected.byteSize} bytes`));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      if (received !== expected.byteSize) {
        throw new StorageWriteError('SIZE_MISMATCH', `received ${received} bytes, declared ${expected.byteSize}`);
      }
      const actual = hash.digest('hex');
      if (actual !== expected.sha256) {
        throw new StorageWriteError('HASH_MISMATCH', `SHA-256 is ${actual}, declared ${expected.sha256}`);
      }
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await fs.promises.rename(tmp, target);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      if (err instanceof StorageWriteError) throw err;
      throw new StorageWriteError('ABORTED', 'the upload was interrupted');
    }
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
  }

  async exists(key: string): Promise<boolean> {
    return fs.promises.access(this.pathOf(key)).then(
      () => true,
      () => false,
    );
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }
}

/** The storage key of a version's blob: content-addressed, derived only from our own IDs and the hash. */
export function blobKey(versionId: string, sha256: string): string {
  return `versions/${versionId}/${sha256}`;
}
