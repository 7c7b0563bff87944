import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app.js';
import { EVIDENCE, WEB_PROVENANCE, publishedVersion } from './support/compliance.js';
import { signUp, type Org } from './support/fixtures.js';
import { WebhookReceiver, waitFor } from './support/webhook-receiver.js';

let receiver: WebhookReceiver;
let app: TestApp;
let alpha: Org;
let beta: Org;
let buyer: Org;
let real: string;
let s1: string;
let s2: string;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What OpenLineage 2-0-2 requires of a RunEvent and of every facet (BaseEvent, RunEvent, Run, Job, Dataset, BaseFacet
 * in OpenLineage.json), checked here so the test needs no copy of the schema.
 */
function expectValidRunEvent(e: any): void {
  for (const key of ['eventTime', 'producer', 'schemaURL', 'run', 'job']) expect(e[key], key).toBeDefined();
  expect(Number.isNaN(Date.parse(e.eventTime))).toBe(false);
  expect(() => new URL(e.producer)).not.toThrow();
  expect(e.schemaURL).toBe('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
  expect(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']).toContain(e.eventType);
  expect(e.run.runId).toMatch(UUID);
  expect(typeof e.job.namespace).toBe('string');
  expect(typeof e.job.name).toBe('string');
  const facets: any[] = [...Object.values(e.job.facets ?? {}), ...Object.values(e.run.facets ?? {})];
  for (const d of [...e.inputs, ...e.outputs]) {
    expect(typeof d.namespace).toBe('string');
    expect(typeof d.name).toBe('string');
    facets.push(...Object.values(d.facets ?? {}), ...Object.values(d.inputFacets ?? {}), ...Object.values(d.outputFacets ?? {}));
  }
  for (const f of facets) {
    expect(() => new URL(f._producer)).not.toThrow();
    expect(() => new URL(f._schemaURL)).not.toThrow();
  }
}

async function stream(
  key: string | undefined,
  query = '',
): Promise<{ status: number; events: any[]; next: string | null; more: string | null }> {
  const res = await fetch(`${app.url}/openlineage/events${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await res.text();
  const events =
    res.status === 200
      ? text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
  if (res.status === 200) expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  return { status: res.status, events, next: res.headers.get('x-next-cursor'), more: res.headers.get('x-has-more') };
}

beforeAll(async () => {
  receiver = await WebhookReceiver.start('/marquez/api/v1/lineage');
  // The first two pushes fail: the third attempt, after backoff, delivers.
  receiver.respond = (n) => (n < 2 ? 503 : 201);
  app = await startTestApp({
    ASSAY_OPENLINEAGE_URL: receiver.url.replace('/api/v1/lineage', ''),
    ASSAY_OPENLINEAGE_INTERVAL_MS: '50',
    ASSAY_OPENLINEAGE_RETRY_BASE_MS: '1000',
  });
  [alpha, beta, buyer] = await Promise.all([signUp(app, 'VENDOR'), signUp(app, 'VENDOR'), signUp(app, 'BUYER')]);
  ({ versionId: real } = await publishedVersion(app, alpha, 'Forum threads', 'REAL', 1000, WEB_PROVENANCE, EVIDENCE));
  ({ versionId: s1 } = await publishedVersion(app, alpha, 'Synthetic threads', 'SYNTHETIC', 500, {
    method: 'LLM_GENERATION',
    generator: { model: 'llama-3.1-70b', provider: 'Meta' },
    sources: [{ versionId: real, role: 'SEED', rowsUsed: '400' }],
  }));
  ({ versionId: s2 } = await publishedVersion(app, alpha, 'Filtered threads', 'SYNTHETIC', 300, {
    method: 'FILTERING',
    sources: [{ versionId: s1, role: 'SEED', rowsUsed: '300' }],
    curation: [{ kind: 'QUALITY_CLASSIFIER', rowsIn: '500', rowsOut: '300' }],
  }));
  await publishedVersion(app, beta, 'Beta simulation', 'SYNTHETIC', 100, { method: 'SIMULATION' });
});
afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

describe('OpenLineage run events', () => {
  it('every publish of a derived version is one COMPLETE RunEvent with inputs, outputs, facets and the Assay facet', async () => {
    const { status, events } = await stream(alpha.key);
    expect(status).toBe(200);
    // The REAL version derives from nothing: no event. S1 and S2 do, oldest first.
    expect(events).toHaveLength(2);
    events.forEach(expectValidRunEvent);
    const [first, second] = events;
    expect(first.eventType).toBe('COMPLETE');
    expect(first.job).toMatchObject({ namespace: `assay://${alpha.slug}`, name: expect.stringMatching(/\.llm_generation$/) });
    expect(first.job.facets.jobType).toMatchObject({ processingType: 'BATCH', integration: 'ASSAY', jobType: 'LLM_GENERATION' });
    expect(first.inputs).toHaveLength(1);
    expect(first.inputs[0].facets.version).toMatchObject({ datasetVersion: '1.0.0', assayVersionId: real });
    expect(first.inputs[0].inputFacets.assay).toMatchObject({ role: 'SEED', rowsUsed: 400 });
    expect(first.inputs[0].facets.schema.fields).toEqual([
      { name: 'id', type: 'string', ordinal_position: 1 },
      { name: 'text', type: 'string', ordinal_position: 2 },
    ]);
    expect(first.inputs[0].facets.dataSource).toMatchObject({
      name: expect.stringContaining(`${alpha.slug}/`),
      uri: expect.stringMatching(/^assay:\/\//),
    });
    expect(first.outputs).toHaveLength(1);
    expect(first.outputs[0].facets.version.assayVersionId).toBe(s1);
    expect(first.outputs[0].facets.assay).toMatchObject({
      generationDepth: 1,
      realFraction: 0,
      kind: 'SYNTHETIC',
      generator: { model: 'llama-3.1-70b', provider: 'Meta' },
    });
    expect(second.inputs[0].facets.version.assayVersionId).toBe(s1);
    expect(second.outputs[0].facets.version.assayVersionId).toBe(s2);
    // Filtering writes no new rows: as deep as its source.
    expect(second.outputs[0].facets.assay).toMatchObject({ generationDepth: 1, method: 'FILTERING' });
  });

  it('pages with the after cursor, oldest first', async () => {
    const page1 = await stream(alpha.key, '?limit=1');
    expect(page1.events).toHaveLength(1);
    expect(page1.more).toBe('true');
    const page2 = await stream(alpha.key, `?limit=1&after=${page1.next}`);
    expect(page2.events.map((e) => e.outputs[0].facets.version.assayVersionId)).toEqual([s2]);
    const page3 = await stream(alpha.key, `?limit=1&after=${page2.next}`);
    expect(page3.events).toEqual([]);
    expect(page3.next).toBe(page2.next);
    expect((await stream(alpha.key, '?after=bogus')).status).toBe(400);
    expect((await stream(alpha.key, '?limit=0')).status).toBe(400);
  });

  it('is read by the publishing vendor and staff only', async () => {
    expect((await stream(ADMIN_KEY)).events.length).toBe(2);
    // Beta published only a simulation without sources: nothing, and none of alpha's.
    expect((await stream(beta.key)).events).toEqual([]);
    expect((await stream(buyer.key)).status).toBe(403);
    expect((await stream(undefined)).status).toBe(401);
    expect((await stream('ak_not_a_real_key')).status).toBe(401);
  });

  it('pushes each event to the Marquez-compatible endpoint, retrying with backoff until it is accepted', async () => {
    const tick = () => app.clock.advance(1000);
    await waitFor(() => receiver.received.filter((r) => r.answered === 201).length === 2, { tick, timeoutMs: 20_000 });
    expect(new Set(receiver.received.map((r) => r.path))).toEqual(new Set(['/marquez/api/v1/lineage']));
    expect(receiver.received[0]!.headers['content-type']).toBe('application/json');
    const accepted = receiver.received.filter((r) => r.answered === 201).map((r) => JSON.parse(r.body));
    const { events } = await stream(ADMIN_KEY);
    expect(accepted.map((e) => e.run.runId).sort()).toEqual(events.map((e) => e.run.runId).sort());
    // Two refusals, then each event once more: nothing is sent after it was accepted.
    const sent = receiver.received.length;
    for (let i = 0; i < 5; i++) tick();
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.length).toBe(sent);
  });
});
