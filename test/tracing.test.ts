import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/app.js';
import { eventually, startServerProcess, type ServerProcess } from './support/app-process.js';

/** An OTLP span as the JSON protocol sends it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}
const SERVER = 2;
const CLIENT = 3;
const attr = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

const spans: OtlpSpan[] = [];
const resources: Record<string, unknown>[] = [];
/** Export requests in protobuf (OTLP's default protocol), counted rather than decoded. */
let protobufExports = 0;
let receiver: http.Server;
let server: ServerProcess | undefined;

beforeAll(async () => {
  // A local OTLP/HTTP receiver: it decodes each export request and keeps its spans.
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/x-protobuf' && body.length > 0) protobufExports++;
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        const request = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const rs of request.resourceSpans) {
          resources.push(Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue])));
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('OpenTelemetry tracing', () => {
  it('exports spans for the HTTP request, the GraphQL operation and its SQL over OTLP, in the caller’s trace', async () => {
    server = await startServerProcess(await createTestDatabase(), {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'assay-under-test',
      // Read by the SDK itself: export after 100 ms rather than 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({ query: 'query Catalog { datasets(first: 5) { totalCount } }' }),
    });
    expect(res.status).toBe(200);

    const inTrace = () => spans.filter((s) => s.traceId === traceId);
    const graphqlSpan = () => inTrace().find((s) => s.name === 'query Catalog');
    const httpSpan = () => inTrace().find((s) => s.kind === SERVER);
    const sqlUnder = (parent: OtlpSpan | undefined) =>
      inTrace().filter((s) => s.kind === CLIENT && parent && s.parentSpanId === parent.spanId);
    await eventually(() => !!httpSpan() && !!graphqlSpan() && sqlUnder(graphqlSpan()).length > 0, 20_000, 'spans exported');

    const request = httpSpan()!;
    expect(request.parentSpanId).toBe(callerSpanId);
    expect(request.name).toBe('POST /graphql');
    expect(attr(request, 'http.route')).toBe('/graphql');
    expect(attr(request, 'http.response.status_code')).toBe(200);

    const operation = graphqlSpan()!;
    expect(operation.parentSpanId).toBe(request.spanId);
    expect(attr(operation, 'graphql.operation.type')).toBe('query');
    expect(attr(operation, 'graphql.operation.name')).toBe('Catalog');

    const statement = sqlUnder(operation)[0]!;
    expect(attr(statement, 'db.system.name')).toBe('postgresql');
    expect(String(attr(statement, 'db.query.text'))).toMatch(/select/i);
    expect(resources.some((r) => r['service.name'] === 'assay-under-test')).toBe(true);
    // Every span of this request is in the caller's trace; none started a trace of its own.
    expect(inTrace().every((s) => s.parentSpanId)).toBe(true);
  }, 90_000);

  it('exports in protobuf, OTLP’s default protocol, when no protocol is set', async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    server = await startServerProcess(await createTestDatabase(), {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ datasets(first: 1) { totalCount } }' }),
    });
    expect(res.status).toBe(200);
    await eventually(() => protobufExports > 0, 20_000, 'a protobuf export');
  }, 90_000);
});
