import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from './app.js';
import { startServerProcess, type ServerProcess } from './app-process.js';
import { ok, publishDataset, signUp, type Org } from './fixtures.js';
import { createOffer, purchase } from './commerce.js';

/**
 * `n` real server processes on one database, sharing one files directory (as instances behind a load balancer share
 * object storage) and the server secret. Started one after another: each migrates and bootstraps on its way up.
 */
export async function startInstances(databaseUrl: string, n: number, env: Record<string, string> = {}) {
  const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-instances-'));
  const instances: ServerProcess[] = [];
  for (let i = 0; i < n; i++) instances.push(await startServerProcess(databaseUrl, { ASSAY_DATA_DIR: filesDir, ...env }));
  return {
    instances,
    async stop() {
      await Promise.all(
        instances.map(async (p) => {
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
          await p.exited;
        }),
      );
      fs.rmSync(filesDir, { recursive: true, force: true });
    },
  };
}

export interface Proxy {
  url: string;
  /** Requests forwarded to each target, in target order. */
  forwarded: number[];
  close(): Promise<void>;
}

/** A round-robin HTTP proxy on loopback in front of `targets`, as a load balancer would be: one request to each in turn. */
export async function roundRobinProxy(targets: string[]): Promise<Proxy> {
  const forwarded = targets.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    // Chosen per request, not per connection, as a layer-7 balancer does.
    const index = next++ % targets.length;
    forwarded[index]!++;
    const target = new URL(targets[index]!);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: withoutHopByHop(req.headers) },
      (answer) => {
        res.writeHead(answer.statusCode!, withoutHopByHop(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Headers that belong to one connection, which a proxy does not pass on. */
function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const { connection: _connection, 'keep-alive': _keepAlive, 'transfer-encoding': _encoding, ...rest } = headers;
  return rest;
}

/** GET /data/{versionId}/{path} with a bearer access token; the status and the JSON `error` of a refusal. */
export async function download(base: string, versionId: string, filePath: string, token: string) {
  const res = await fetch(`${base}/data/${versionId}/${filePath}`, { headers: { authorization: `Bearer ${token}` } });
  const body = Buffer.from(await res.arrayBuffer());
  const error = res.status === 200 || res.status === 206 ? undefined : (JSON.parse(body.toString()) as { error: string }).error;
  return { status: res.status, body, error, headers: res.headers };
}

/** Polls downloads until one is refused with `reason`; the milliseconds that took. Fails after `withinMs`. */
export async function refusedWithin(withinMs: number, reason: string, attempt: () => ReturnType<typeof download>): Promise<number> {
  const started = Date.now();
  let last: Awaited<ReturnType<typeof download>> | undefined;
  while (Date.now() - started <= withinMs) {
    last = await attempt();
    if (last.error === reason) return Date.now() - started;
  }
  throw new Error(`not refused with ${reason} within ${withinMs} ms (last answer ${last?.status} ${last?.error ?? ''})`);
}

export const ISSUE_TOKEN = `mutation($l: ID!) { issueAccessToken(input: { licenseId: $l }) { token accessToken { id } } }`;
export const REVOKE_TOKEN = `mutation($id: ID!) { revokeAccessToken(input: { id: $id }) { accessToken { id revokedAt } } }`;

/** A vendor with a published dataset (one file) and a buyer holding a license of it, all set up through `api`. */
export async function licensedBuyer(api: ApiClient, offer: Record<string, unknown> = {}) {
  const vendor = await signUp(api, 'VENDOR');
  const buyer = await signUp(api, 'BUYER');
  const { datasetId, versionId } = await publishDataset(api, vendor);
  const offerId = await createOffer(api, vendor, datasetId, offer);
  const license = ok(await purchase(api, buyer, offerId)).purchaseLicense.license as { id: string; status: string };
  return { vendor, buyer, datasetId, versionId, offerId, license, filePath: 'data/train.jsonl' };
}

export async function issueToken(api: ApiClient, buyer: Org, licenseId: string): Promise<{ token: string; id: string }> {
  const issued = ok(await api.gql(ISSUE_TOKEN, { l: licenseId }, buyer.key)).issueAccessToken;
  return { token: issued.token, id: issued.accessToken.id };
}
