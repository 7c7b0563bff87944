import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';

/** Request latency buckets, in seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;

/** Prometheus label values escape backslash, double quote and newline. */
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, { value }] of this.values) lines.push(`${this.name}${key} ${value}`);
    return lines;
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(le) })} ${counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

const gauge = (name: string, help: string, samples: [Labels, number][]) => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} gauge`,
  ...samples.map(([labels, v]) => `${name}${labelText(labels)} ${v}`),
];

/**
 * The server's metrics, kept in memory per process and rendered in the Prometheus text format.
 * One instance per server, so two servers in one process (tests) never mix their numbers.
 * @example const metrics = new Metrics(database.pool); metrics.graphqlError('NOT_FOUND'); metrics.render();
 */
export class Metrics {
  private readonly requests = new Counter('assay_http_requests_total', 'HTTP requests answered, by route template, method and status.');
  private readonly latency = new Histogram(
    'assay_http_request_duration_seconds',
    'Time from receiving a request to sending the last byte of its response, by route template and method.',
    LATENCY_BUCKETS,
  );
  private readonly errors = new Counter('assay_graphql_errors_total', 'GraphQL errors sent to clients, by extensions.code.');
  private readonly compiledFailures = new Counter(
    'assay_graphql_compiled_execution_failures_total',
    'Operations graphql-jit could not compile (then interpreted), and compiled runs that threw, by stage.',
  );
  private readonly downloadRefusals = new Counter('assay_download_refusals_total', 'Downloads refused, by reason (a closed set).');
  private readonly started = Date.now() / 1000;

  constructor(
    private readonly pool: pg.Pool,
    private readonly extraGauges: () => string[] = () => [],
  ) {}

  /** Records one answered HTTP request; `route` is the route's template (`/data/:versionId/*`), never the raw URL. */
  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.latency.observe({ route, method }, seconds);
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

  render(): string {
    const pool = this.pool;
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return [
      ...this.requests.render(),
      ...this.latency.render(),
      ...this.errors.render(),
      ...this.compiledFailures.render(),
      ...this.downloadRefusals.render(),
      ...gauge('assay_db_pool_connections', 'Database pool connections, open in total and idle among them.', [
        [{ state: 'total' }, pool.totalCount],
        [{ state: 'idle' }, pool.idleCount],
      ]),
      ...gauge('assay_db_pool_max_connections', 'The most connections the database pool opens.', [[{}, pool.options.max ?? 10]]),
      ...gauge('assay_db_pool_waiting_requests', 'Queries waiting for a free database connection.', [[{}, pool.waitingCount]]),
      ...this.extraGauges(),
      ...gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [[{}, memory.rss]]),
      ...gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', [[{}, memory.heapUsed]]),
      `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.`,
      `# TYPE process_cpu_seconds_total counter`,
      `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
      ...gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds.', [
        [{}, Math.round(this.started)],
      ]),
      '',
    ].join('\n');
  }
}

/** A gauge's lines, for `Metrics`' extra gauges. */
export const gaugeLines = gauge;

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Times and counts every request and serves `GET /metrics`: with a token, only to `Authorization: Bearer <token>`;
 * without one, to anyone when `open` (outside production, or asked for), else to no one (403 saying why).
 * @example registerMetrics(app, new Metrics(database.pool), { token: limits.metricsToken, open: limits.metricsPublic });
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, options: { token: string | undefined; open: boolean }): void {
  app.addHook('onResponse', async (request, reply) => {
    // Unmatched URLs share one label, so scanners cannot grow the series without bound.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
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
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
  });
}
