import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in account: it checks every request's SigV4 signature against it. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3_BUCKET = 'assay-test';

export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * A real S3-protocol server (the `s3rver` package) on a random loopback port, with one bucket, its objects in a
 * temporary directory.
 * @example const s3 = await startS3Server(); startTestApp(s3Environment(s3.endpoint, 'prefix')); ... await s3.stop();
 */
export async function startS3Server(): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: S3_BUCKET, configs: [] }],
  });
  const { port } = (await server.run()) as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The settings that point Assay at `endpoint`, under `prefix` of the test bucket. */
export function s3Environment(endpoint: string, prefix: string): Record<string, string> {
  return {
    ASSAY_STORAGE_URL: `s3://${S3_BUCKET}/${prefix}`,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
  };
}

/**
 * A TCP proxy on loopback in front of a server, that a test can take down (every connection cut, new ones
 * refused) and bring back on the same port: an object store that goes away, as clients see it.
 * @example const proxy = await FaultProxy.start(s3.endpoint); proxy.cutAfter(1024 * 1024); ... await proxy.up();
 */
export class FaultProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Bytes sent on towards the server since the proxy started. */
  forwardedBytes = 0;
  private cutAt = Infinity;

  private constructor(
    private readonly target: { host: string; port: number },
    private port: number,
  ) {}

  static async start(targetUrl: string): Promise<FaultProxy> {
    const u = new URL(targetUrl);
    const proxy = new FaultProxy({ host: u.hostname, port: Number(u.port) }, 0);
    await proxy.up();
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens (again) on the same port and forwards connections. */
  async up(): Promise<void> {
    this.cutAt = Infinity;
    const server = net.createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Cuts every connection and refuses new ones. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Goes down once `bytes` more have been forwarded towards the server. */
  cutAfter(bytes: number): void {
    this.cutAt = this.forwardedBytes + bytes;
  }

  private forward(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      this.forwardedBytes += chunk.length;
      if (this.forwardedBytes >= this.cutAt) {
        void this.down();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  async close(): Promise<void> {
    await this.down();
  }
}
