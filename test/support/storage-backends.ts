import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openFileStorage, type FileStorage } from '../../src/delivery/storage.js';
import { FaultProxy, s3Environment, startS3Server } from './s3-server.js';

/**
 * One storage backend as the tests use it: the settings that select it (for `startTestApp`), a storage built from
 * them the way the server builds its own, and how many bytes the store has taken in so far.
 */
export interface StorageBackend {
  env: Record<string, string>;
  storage: FileStorage;
  /** Bytes that reached the store (written to disk, or sent to the S3 server). */
  receivedBytes(): number;
  /** The S3 server's side of the network, which tests can take down; only for `s3`. */
  proxy?: FaultProxy;
  stop(): Promise<void>;
}

/** Files in a temporary directory. */
async function fileBackend(): Promise<StorageBackend> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-storage-'));
  const env = { ASSAY_STORAGE_URL: `file://${directory}` };
  const storage = await openFileStorage(loadConfig(env).storage);
  const sizeOf = (dir: string): number =>
    fs
      .readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
  return {
    env,
    storage,
    receivedBytes: () => sizeOf(directory),
    async stop() {
      await storage.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A real S3-protocol server on loopback, reached through a proxy that tests can cut, under a fresh key prefix. */
async function s3Backend(): Promise<StorageBackend> {
  const server = await startS3Server();
  const proxy = await FaultProxy.start(server.endpoint);
  const env = s3Environment(proxy.endpoint, `run-${randomBytes(4).toString('hex')}/files`);
  const storage = await openFileStorage(loadConfig(env).storage);
  return {
    env,
    storage,
    proxy,
    receivedBytes: () => proxy.forwardedBytes,
    async stop() {
      await storage.close();
      await proxy.close();
      await server.stop();
    },
  };
}

/** Every backend, for `describe.each(STORAGE_BACKENDS)`: the same tests run against each. */
export const STORAGE_BACKENDS = [
  { backend: 'file', start: fileBackend },
  { backend: 's3', start: s3Backend },
] as const;
