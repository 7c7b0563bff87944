import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import pg from 'pg';

type QueryFn = (...args: unknown[]) => unknown;
type ConnectFn = (callback?: (...args: unknown[]) => void) => unknown;

/** The statement's name comment (`/* getCatalogPage *\/ SELECT ...`) or its first keyword: a low-cardinality span name. */
function statementName(text: string): string {
  const comment = /^\s*\/\*\s*([A-Za-z_][\w.-]*)\s*\*\//.exec(text)?.[1];
  return comment ?? /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'postgresql';
}

let installed = false;

/**
 * A client span for every statement the `pg` driver sends inside a traced operation (statements outside one, such
 * as the metering worker's polling, are not traced). Patches `pg.Client#query` as OpenTelemetry's pg
 * instrumentation does, but without module-load hooks: our ESM import of `pg` is the same object. A pool's
 * callbacks are bound to the caller's context, so a query that waited for a connection stays in its own trace.
 * @example tracePostgresStatements();
 */
export function tracePostgresStatements(): void {
  if (installed) return;
  installed = true;
  const tracer = trace.getTracer('assay');
  const clientProto = pg.Client.prototype as unknown as { query: QueryFn };
  const query = clientProto.query;
  clientProto.query = function tracedQuery(this: pg.Client & { host?: string; port?: number; database?: string }, ...args) {
    const parent = context.active();
    const first = args[0] as { text?: string; submit?: unknown } | string | undefined;
    if (!trace.getSpan(parent) || (typeof first === 'object' && typeof first.submit === 'function')) return query.apply(this, args);
    const text = (typeof first === 'string' ? first : first?.text) ?? '';
    const span = tracer.startSpan(
      statementName(text),
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': this.database,
          'db.query.text': text,
          'server.address': this.host,
          'server.port': this.port,
        },
      },
      parent,
    );
    const finish = (err: unknown) => {
      if (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = function (this: unknown, err: unknown, ...rest: unknown[]) {
        finish(err);
        return (callback as (...a: unknown[]) => unknown).call(this, err, ...rest);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) result.then(() => finish(undefined), finish);
    else finish(undefined);
    return result;
  };

  const poolProto = pg.Pool.prototype as unknown as { connect: ConnectFn };
  const connect = poolProto.connect;
  poolProto.connect = function boundConnect(this: pg.Pool, callback) {
    return connect.call(this, typeof callback === 'function' ? context.bind(context.active(), callback) : callback);
  };
}
