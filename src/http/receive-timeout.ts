import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Closes the connection of a request that has not arrived whole in time (see registerReceiveTimeout). */
    receiveTimer: NodeJS.Timeout | null;
  }
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
  // Callback hooks and a field on the request: this runs for every request, so it allocates no promise or map entry.
  app.decorateRequest('receiveTimer', null);
  const clear = (request: FastifyRequest, _reply: unknown, done: () => void) => {
    if (request.receiveTimer) {
      clearTimeout(request.receiveTimer);
      request.receiveTimer = null;
    }
    done();
  };
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.routeOptions.config?.streamsBody) request.receiveTimer = setTimeout(() => request.raw.destroy(), timeoutMs);
    done();
  });
  // By then the body has been read and parsed: the request has arrived.
  app.addHook('preHandler', clear);
  app.addHook('onResponse', clear);
  app.addHook('onRequestAbort', (request, done) => clear(request, undefined, done));
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
