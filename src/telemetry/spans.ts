import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

// Spans are made here, in our own hooks, rather than by auto-instrumentation: that needs module hooks registered
// before the modules load (`node --import`), which tsx, vitest and the compiled build would each have to get right.
// Without a registered SDK (tracing off), these calls are never installed; see `startTracing`.
const tracer = () => trace.getTracer('assay');

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span and the context its work runs in (tracing on only). */
    trace?: { span: Span; context: Context };
  }
}

/** Ends `span` as failed when `err` is an error. */
function endSpan(span: Span, err?: unknown): void {
  if (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * A server span per HTTP request, a child of the caller's trace when it sends a W3C `traceparent`; the route's work
 * (handler and the SQL it issues) runs in its context.
 * @example if (config.tracing) registerRequestSpans(app);
 */
export function registerRequestSpans(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer().startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
          'url.scheme': request.protocol,
          'client.address': request.ip,
          'user_agent.original': request.headers['user-agent'],
        },
      },
      parent,
    );
    request.trace = { span, context: trace.setSpan(parent, span) };
    context.with(request.trace.context, done);
  });
  // The body arrives in the socket's context, not the request's: the handler is entered in the span's context again.
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.trace) context.with(request.trace.context, done);
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = request.trace?.span;
    if (span) {
      const route = request.routeOptions.url;
      if (route) span.updateName(`${request.method} ${route}`).setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    request.trace?.span.setAttribute('http.request.aborted', true).end();
    done();
  });
}

/**
 * Runs each GraphQL operation in a span of its own (`query Catalog`), so the SQL its resolvers issue are its children.
 * @example new ApolloServer({ gateway: tracedExecution(compiledExecution(schema)) })
 */
export function tracedExecution(gateway: GatewayInterface): GatewayInterface {
  return {
    ...gateway,
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      const execute = loaded.executor;
      if (!execute) return loaded;
      const executor: GatewayExecutor = (request) => {
        const type = request.operation?.operation ?? 'unknown';
        const name = request.operationName ?? undefined;
        const span = tracer().startSpan(name ? `${type} ${name}` : type, {
          attributes: { 'graphql.operation.type': type, 'graphql.operation.name': name },
        });
        return context
          .with(trace.setSpan(context.active(), span), () => execute(request))
          .then(
            (result) => {
              if (result.errors?.length) span.setStatus({ code: SpanStatusCode.ERROR });
              span.end();
              return result;
            },
            (err: unknown) => {
              endSpan(span, err);
              throw err;
            },
          );
      };
      return { ...loaded, executor };
    },
  };
}

/**
 * Runs a periodic job in a root span of its own (its SQL are its children).
 * @example startPeriodicJobs({ ..., around: traceJob });
 */
export function traceJob(name: string, run: () => Promise<unknown>): Promise<unknown> {
  const span = tracer().startSpan(`job ${name}`, { root: true, attributes: { 'assay.job': name } });
  return context.with(trace.setSpan(context.active(), span), run).then(
    (result) => {
      endSpan(span);
      return result;
    },
    (err: unknown) => {
      endSpan(span, err);
      throw err;
    },
  );
}
