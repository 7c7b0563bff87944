import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { RateLimitSettings } from '../config.js';
import { graphqlMediaType } from './graphql-media.js';

/** How a route's refusals are shaped: a GraphQL response, or the plain JSON error the other routes use. */
export type RateLimitShape = 'graphql' | 'json';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Marks a route that checks the request's `Authorization` (an API key, an access token, the metrics token) and
     * answers 401 for a bad one, and how its refusals are shaped; every other route is limited by address alone.
     */
    rateLimit?: RateLimitShape;
  }
}

/** A bucket's answer to one request. */
export interface BucketState {
  allowed: boolean;
  /** Whole requests left right now. */
  remaining: number;
  /** Seconds until one more request is allowed (0 when allowed). */
  retryAfterSeconds: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
}

/** Where a family of buckets is kept: this process's memory (`TokenBuckets`) or a store all processes share. */
export interface Buckets {
  /** Buckets held in this process's memory. */
  readonly size: number;
  /** Spends one request of `key`'s bucket if it has one. */
  take(key: string, now: number): BucketState | Promise<BucketState>;
  /** `key`'s bucket as `take` would find it, without spending. */
  peek(key: string, now: number): BucketState | Promise<BucketState>;
}

/** Buckets kept at most; beyond it the least recently used go first (losing one only forgives its client). */
const MAX_BUCKETS = 100_000;

/**
 * Token buckets by key, in memory: `capacity` requests at once, refilled at `perMinute`. Buckets that have
 * refilled completely hold no information and are dropped, so memory follows the clients active lately.
 * @example const buckets = new TokenBuckets(100, 600); buckets.take('addr:203.0.113.9', Date.now()).allowed
 */
export class TokenBuckets implements Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(
    readonly capacity: number,
    perMinute: number,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Buckets currently held. */
  get size(): number {
    return this.buckets.size;
  }

  /** Spends one token of `key`'s bucket if it has one. */
  take(key: string, now: number): BucketState {
    const tokens = this.level(key, now);
    const allowed = tokens >= 1;
    const left = allowed ? tokens - 1 : tokens;
    // Delete and re-insert: the Map's order is then least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: left, at: now });
    this.evict(now);
    return this.state(allowed, left);
  }

  /** `key`'s bucket as `take` would find it, without spending. */
  peek(key: string, now: number): BucketState {
    const tokens = this.level(key, now);
    return this.state(tokens >= 1, tokens);
  }

  private level(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.capacity;
    return Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.refillPerMs);
  }

  private state(allowed: boolean, tokens: number): BucketState {
    const secondsFor = (missing: number) => Math.max(0, Math.ceil(missing / this.refillPerMs / 1000));
    return {
      allowed,
      remaining: Math.floor(tokens),
      retryAfterSeconds: allowed ? 0 : Math.max(1, secondsFor(1 - tokens)),
      resetSeconds: secondsFor(this.capacity - tokens),
    };
  }

  /** Drops the oldest buckets while they are full again or over the bound; a bounded few per call keeps each call cheap. */
  private evict(now: number): void {
    let checked = 0;
    for (const [key, bucket] of this.buckets) {
      const over = this.buckets.size > this.maxBuckets;
      const full = bucket.tokens + (now - bucket.at) * this.refillPerMs >= this.capacity;
      if (!over && (!full || ++checked > 32)) return;
      this.buckets.delete(key);
    }
  }
}

/**
 * The address a client is limited by: IPv6 clients by their /64, since one host commonly holds a whole /64.
 * @example addressKey('2001:db8:1:2:3:4:5:6') // '2001:db8:1:2::/64'
 */
export function addressKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const plain = ip.split('%')[0]!.toLowerCase();
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/.test(plain)) return plain.slice(7);
  const [head = '', tail] = plain.split('::');
  const headGroups = head ? head.split(':') : [];
  // An embedded IPv4 address at the end counts as two groups.
  const tailGroups = tail ? tail.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [];
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A bearer credential as a bucket key: its hash, never the secret itself. */
function credentialKey(authorization: string): string {
  const token = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? authorization;
  return createHash('sha256').update(token).digest('base64url');
}

/** Credentials seen accepted lately (by hash), least recently used first out. */
class ProvenCredentials {
  private readonly keys = new Map<string, true>();
  constructor(private readonly max: number) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, true);
    if (this.keys.size > this.max) this.keys.delete(this.keys.keys().next().value!);
  }
  delete(key: string): void {
    this.keys.delete(key);
  }
}

export interface RateLimiter {
  /** Buckets held now (requests and unproven credentials). */
  buckets(): number;
}

/**
 * Rate-limits every route in the `onRequest` hook, before a body is read or any SQL runs: per client address
 * (IPv6 by /64), and on routes that check a credential (`config: { rateLimit: 'graphql' | 'json' }`) per
 * credential instead when one is sent. Over it, 429 with `Retry-After`; each response carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset`. A credential not yet seen accepted also spends from its address's
 * bucket of unproven credentials, when the request arrives (so a parallel flood is cut as well); once that is
 * empty, every credential from the address waits, so inventing keys or tokens buys no fresh buckets. Buckets are
 * in memory (limits per server process) unless `families` keeps them elsewhere (`SharedBucketStore`); the answers
 * are shaped the same either way.
 * @example registerRateLimit(app, { perMinute: 600, burst: 100 }, systemClock); app.get('/x', { config: { rateLimit: 'json' } }, handler);
 */
export function registerRateLimit(
  app: FastifyInstance,
  settings: RateLimitSettings,
  clock: Clock,
  onRefused: (shape: RateLimitShape) => void = () => undefined,
  families: (name: 'req' | 'unproven') => Buckets = () => new TokenBuckets(settings.burst, settings.perMinute),
): RateLimiter {
  const requests = families('req');
  const unproven = families('unproven');
  const proven = new ProvenCredentials(MAX_BUCKETS);

  app.addHook('onRequest', async (request, reply) => {
    const authenticated = request.routeOptions.config?.rateLimit;
    const shape = authenticated ?? 'json';
    const now = clock.now().getTime();
    const address = addressKey(request.ip);
    const credential = authenticated && request.headers.authorization ? credentialKey(request.headers.authorization) : undefined;
    let state: BucketState;
    if (!credential) state = await requests.take(`addr:${address}`, now);
    else {
      // A known credential only waits while its address is busy guessing; an unknown one pays for the guess.
      state = await (proven.has(credential) ? unproven.peek(address, now) : unproven.take(address, now));
      if (state.allowed) state = await requests.take(`key:${credential}`, now);
    }
    void reply.header('ratelimit-limit', String(settings.burst));
    void reply.header('ratelimit-remaining', String(state.remaining));
    void reply.header('ratelimit-reset', String(state.resetSeconds));
    if (state.allowed) return;

    onRefused(shape);
    const seconds = state.retryAfterSeconds;
    const message = `Too many requests; retry in ${seconds} s`;
    void reply
      .code(429)
      .header('retry-after', String(seconds))
      .type(shape === 'graphql' ? graphqlMediaType(request.headers.accept) : 'application/json; charset=utf-8');
    return shape === 'graphql'
      ? reply.send({ errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfter: seconds } }] })
      : reply.send({ error: 'Too Many Requests', code: 'RATE_LIMITED', message, retryAfter: seconds });
  });

  app.addHook('onResponse', async (request, reply) => {
    const authorization = request.headers.authorization;
    if (!request.routeOptions.config?.rateLimit || !authorization) return;
    const status = reply.statusCode;
    if (status === 401) proven.delete(credentialKey(authorization));
    // Answers given only to an accepted credential; a 400 or 503 may come before the credential was looked at.
    else if (status < 400 || status === 402 || status === 403 || status === 404) proven.add(credentialKey(authorization));
  });

  return { buckets: () => requests.size + unproven.size };
}
