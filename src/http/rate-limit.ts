import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { RateLimitSettings } from '../config.js';

/** How a route's refusals are shaped: a GraphQL response, or the plain JSON error the other routes use. */
export type RateLimitShape = 'graphql' | 'json';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opts a route into per-client rate limiting (see `registerRateLimit`). */
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

/** Buckets kept at most; beyond it the least recently used go first (losing one only forgives its client). */
const MAX_BUCKETS = 100_000;

/**
 * Token buckets by key, in memory: `capacity` requests at once, refilled at `perMinute`. Buckets that have
 * refilled completely hold no information and are dropped, so memory follows the clients active lately.
 * @example const buckets = new TokenBuckets(100, 600); buckets.take('addr:203.0.113.9', Date.now()).allowed
 */
export class TokenBuckets {
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

/** The bucket of a request: its API key's (hashed, never the secret itself) or, anonymous, its address's. */
function bucketKey(request: FastifyRequest, address: string): string {
  const authorization = request.headers.authorization;
  if (!authorization) return `addr:${address}`;
  const token = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? authorization;
  return `key:${createHash('sha256').update(token).digest('base64url')}`;
}

export interface RateLimiter {
  /** Buckets held now (requests and failed authentications). */
  buckets(): number;
}

/**
 * Rate-limits every route whose config has `rateLimit` (e.g. `config: { rateLimit: 'graphql' }`): a token
 * bucket per API key, or per client address when anonymous; over it, 429 with `Retry-After`. Each response
 * carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`. Requests answered 401 also spend from
 * their address's failed-authentication bucket; once it is empty, that address's requests with a key are
 * refused too, so inventing keys buys no fresh buckets. In memory: limits are per server process.
 * @example registerRateLimit(app, { perMinute: 600, burst: 100 }, systemClock); app.get('/x', { config: { rateLimit: 'json' } }, handler);
 */
export function registerRateLimit(
  app: FastifyInstance,
  settings: RateLimitSettings,
  clock: Clock,
  onRefused: (shape: RateLimitShape) => void = () => undefined,
): RateLimiter {
  const requests = new TokenBuckets(settings.burst, settings.perMinute);
  const failedAuthentications = new TokenBuckets(settings.burst, settings.perMinute);

  app.addHook('onRequest', async (request, reply) => {
    const shape = request.routeOptions.config?.rateLimit;
    if (!shape) return;
    const now = clock.now().getTime();
    const address = addressKey(request.ip);
    let state = request.headers.authorization ? failedAuthentications.peek(address, now) : undefined;
    if (!state || state.allowed) state = requests.take(bucketKey(request, address), now);
    void reply.header('ratelimit-limit', String(settings.burst));
    void reply.header('ratelimit-remaining', String(state.remaining));
    void reply.header('ratelimit-reset', String(state.resetSeconds));
    if (state.allowed) return;

    onRefused(shape);
    const seconds = state.retryAfterSeconds;
    const message = `Too many requests; retry in ${seconds} s`;
    void reply.code(429).header('retry-after', String(seconds)).type('application/json; charset=utf-8');
    return shape === 'graphql'
      ? reply.send({ errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfter: seconds } }] })
      : reply.send({ error: 'Too Many Requests', code: 'RATE_LIMITED', message, retryAfter: seconds });
  });

  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode !== 401 || !request.routeOptions.config?.rateLimit || !request.headers.authorization) return;
    failedAuthentications.take(addressKey(request.ip), clock.now().getTime());
  });

  return { buckets: () => requests.size + failedAuthentications.size };
}
