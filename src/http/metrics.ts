import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Request latency buckets, in seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;

// The process's own metrics (CPU, memory, heap, GC, event-loop lag, Node version) belong to the process, not to
// one server in it: collected once, shown by every server's /metrics.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The server's metrics in a prom-client registry of its own, so two servers in one process (tests) never mix their
 * numbers, beside the process's default Node metrics; rendered in the Prometheus text format.
 * @example const metrics = new Metrics(database.pool); metrics.graphqlError('NOT_FOUND'); await metrics.render();
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new RequestSeries();
  private readonly errors = new Counter({
    name: 'assay_graphql_errors_total',
    help: 'GraphQL errors sent to clients, by extensions.code.',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly compiledFailures = new Counter({
    name: 'assay_graphql_compiled_execution_failures_total',
    help: 'Operations graphql-jit could not compile (then interpreted), and compiled runs that threw, by stage.',
    labelNames: ['stage'],
    registers: [this.registry],
  });
  private readonly downloadRefusals = new Counter({
    name: 'assay_download_refusals_total',
    help: 'Downloads refused, by reason (a closed set).',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor(pool: pg.Pool) {
    this.gauge('assay_db_pool_connections', 'Open database pool connections, by state (their sum is all open ones).', () => [
      [{ state: 'idle' }, pool.idleCount],
      [{ state: 'in_use' }, pool.totalCount - pool.idleCount],
    ]);
    this.gauge('assay_db_pool_max_connections', 'The most connections the database pool opens.', () => [[{}, pool.options.max ?? 10]]);
    this.gauge('assay_db_pool_waiting_requests', 'Queries waiting for a free database connection.', () => [[{}, pool.waitingCount]]);
    processMetrics();
  }

  /** Records one answered HTTP request; `route` is the route's template (`/data/:versionId/*`), never the raw URL. */
  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.record(route, method, status, seconds);
  }

  graphqlError(code: string): void {
    this.errors.inc({ code });
  }

  downloadRefused(reason: string): void {
    this.downloadRefusals.inc({ reason });
  }

  compiledExecutionFailure(stage: 'compile' | 'run'): void {
    this.compiledFailures.inc({ stage });
  }

  /**
   * A gauge read when scraped: `samples` gives its current values by labels.
   * @example metrics.gauge('assay_rate_limit_buckets', 'Token buckets held.', () => [[{}, limiter.buckets()]]);
   */
  gauge(name: string, help: string, samples: () => [Labels, number][]): void {
    const labelNames = [...new Set(samples().flatMap(([labels]) => Object.keys(labels)))];
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of samples()) this.set(labels, value);
      },
    });
  }

  async render(): Promise<string> {
    return `${this.requests.render()}${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }
}

/** One route, method and status: its request count, latency sum and per-bucket counts (not cumulative). */
interface RequestSeriesValues {
  labels: string;
  count: number;
  sum: number;
  buckets: number[];
}

/** A label value as the Prometheus text format writes it. */
const labelValue = (value: string) => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/**
 * `assay_http_requests_total` and `assay_http_request_duration_seconds`, kept in plain numbers and written in the
 * Prometheus text format when scraped. Every request records here; prom-client checks and hashes the labels of each
 * observation, a measurable share of a small request's CPU, where this costs one map lookup.
 */
class RequestSeries {
  private readonly series = new Map<string, RequestSeriesValues>();

  record(route: string, method: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let values = this.series.get(key);
    if (!values) {
      values = {
        labels: `route="${labelValue(route)}",method="${labelValue(method)}",status="${status}"`,
        count: 0,
        sum: 0,
        buckets: LATENCY_BUCKETS.map(() => 0),
      };
      this.series.set(key, values);
    }
    values.count += 1;
    values.sum += seconds;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    if (bucket < LATENCY_BUCKETS.length) values.buckets[bucket]! += 1;
  }

  render(): string {
    const counts = [
      '# HELP assay_http_requests_total HTTP requests answered, by route template, method and status.',
      '# TYPE assay_http_requests_total counter',
    ];
    const latency = [
      '# HELP assay_http_request_duration_seconds Time from receiving a request to sending the last byte of its response, by route template, method and status.',
      '# TYPE assay_http_request_duration_seconds histogram',
    ];
    for (const { labels, count, sum, buckets } of this.series.values()) {
      counts.push(`assay_http_requests_total{${labels}} ${count}`);
      let below = 0;
      LATENCY_BUCKETS.forEach((bound, i) => {
        below += buckets[i]!;
        latency.push(`assay_http_request_duration_seconds_bucket{le="${bound}",${labels}} ${below}`);
      });
      latency.push(`assay_http_request_duration_seconds_bucket{le="+Inf",${labels}} ${count}`);
      latency.push(`assay_http_request_duration_seconds_sum{${labels}} ${sum}`);
      latency.push(`assay_http_request_duration_seconds_count{${labels}} ${count}`);
    }
    return `${counts.join('\n')}\n\n${latency.join('\n')}\n\n`;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Times and counts every request and serves `GET /metrics`: with a token, only to `Authorization: Bearer <token>`;
 * without one, to anyone when `open` (outside production, or asked for), else to no one (403 saying why).
 * @example registerMetrics(app, new Metrics(database.pool), { token: limits.metricsToken, open: limits.metricsPublic });
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, options: { token: string | undefined; open: boolean }): void {
  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label, so scanners cannot grow the series without bound.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { config: { rateLimit: 'json' } }, async (request, reply) => {
    if (options.token) {
      const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(given), digest(options.token))) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'Unauthorized', message: 'GET /metrics needs the metrics token: send Authorization: Bearer <token>' });
      }
    } else if (!options.open) {
      // Pool sizes, error rates and memory say a lot about a production server; exposing them is a deliberate choice.
      return reply.code(403).send({
        error: 'Forbidden',
        message:
          'GET /metrics is not exposed without a token in production; the operator sets ASSAY_METRICS_TOKEN (or ASSAY_METRICS_PUBLIC=1)',
      });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.render());
  });
}
