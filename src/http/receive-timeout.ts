import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The handler streams the body itself (uploads): it is bound by an idle timeout, not by a whole-request deadline. */
    streamsBody?: boolean;
  }
}

/**
 * Slow clients: a request must have arrived whole (headers and body) within `timeoutMs` of its start, else its
 * connection is closed. Routes that stream their body (`config: { streamsBody: true }`) are exempt here and use
 * `withIdleTimeout`, so a large upload that keeps making progress is never cut. Node's own `requestTimeout`
 * cannot exempt a route, so the server turns it off and relies on this (header time stays bound by `headersTimeout`).
 * @example registerReceiveTimeout(app, config.limits.receiveTimeoutMs);
 */
export function registerReceiveTimeout(app: FastifyInstance, timeoutMs: number): void {
  if (timeoutMs === 0) return;
  const timers = new WeakMap<object, NodeJS.Timeout>();
  const clear = (request: { raw: object }) => {
    clearTimeout(timers.get(request.raw));
    timers.delete(request.raw);
  };
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.streamsBody) return;
    timers.set(
      request.raw,
      setTimeout(() => request.raw.destroy(), timeoutMs),
    );
  });
  // By then the body has been read and parsed: the request has arrived.
  app.addHook('preHandler', async (request) => clear(request));
  app.addHook('onResponse', async (request) => clear(request));
  app.addHook('onRequestAbort', async (request) => clear(request));
}

/**
 * The body of `request` as a stream that fails (and closes the connection) once no byte has arrived for
 * `idleMs`; 0 never times out.
 * @example await storage.put(key, withIdleTimeout(request.raw, 120_000), expected);
 */
export function withIdleTimeout(request: Readable, idleMs: number): Readable {
  if (idleMs === 0) return request;
  let timer: NodeJS.Timeout | undefined;
  const stalled = () => {
    const err = new Error(`No bytes arrived for ${idleMs} ms`);
    watched.destroy(err);
    request.destroy(err);
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(stalled, idleMs);
  };
  const watched = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      arm();
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(timer);
      done();
    },
  });
  watched.on('close', () => clearTimeout(timer));
  request.on('error', (err) => watched.destroy(err));
  arm();
  return request.pipe(watched);
}
