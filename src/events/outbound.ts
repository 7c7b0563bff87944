import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved ranges: never webhook targets. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

/** True for addresses in a private or reserved range (IPv4-mapped IPv6 is judged by its IPv4 address). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Why a URL may not receive webhooks, or undefined when it may: `https` only, no credentials, and not a private
 * address or `localhost` (unless `allowPrivate`, which also allows `http`). Hostnames are checked again at delivery.
 * @example webhookUrlProblem('http://10.0.0.1/hook', false) // 'must use https'
 */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point at a private address';
  if (isIP(host) !== 0 && isPrivateAddress(host)) return 'must not point at a private address';
  return undefined;
}

export type PostOutcome = { kind: 'DELIVERED'; status: number } | { kind: 'REJECTED'; status: number } | { kind: 'ERROR'; error: string };

export interface PostOptions {
  timeoutMs: number;
  /** At most this much of a response body is read; the rest is dropped with the connection. */
  maxResponseBytes: number;
  allowPrivate: boolean;
}

/**
 * POSTs one webhook. The hostname is resolved here and the connection made to the address that was checked (so a DNS
 * answer that changes after a check cannot point it inward); redirects are not followed; 2xx is success.
 */
export function postWebhook(target: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<PostOutcome> {
  const problem = webhookUrlProblem(target, options.allowPrivate);
  if (problem) return Promise.resolve({ kind: 'ERROR', error: `URL ${problem}` });
  const url = new URL(target);
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => options.allowPrivate || !isPrivateAddress(a.address));
      if (allowed.length === 0) return callback(Object.assign(new Error('private address'), { code: 'EPRIVATE' }), '', 0);
      if (lookupOptions.all) return callback(null, allowed as unknown as string);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Assay-Webhooks/1',
          ...headers,
        },
        lookup,
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > options.maxResponseBytes) response.destroy();
        });
        const finish = () => done(status >= 200 && status < 300 ? { kind: 'DELIVERED', status } : { kind: 'REJECTED', status });
        response.on('end', finish);
        response.on('close', finish);
        response.on('error', finish);
      },
    );
    // One deadline for connecting, sending and the answer.
    const timer = setTimeout(() => {
      request.destroy();
      done({ kind: 'ERROR', error: `no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) =>
      done({
        kind: 'ERROR',
        error: err.code === 'EPRIVATE' ? 'the host resolves to a private address' : `connection failed (${err.code ?? 'error'})`,
      }),
    );
    request.end(body);
  });
}
