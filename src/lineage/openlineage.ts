/**
 * OpenLineage 2-0-2 run events for published derived versions: the vendor's generation or curation pipeline is the
 * job, the source versions its inputs, the new version its output.
 */
import { randomUUID } from 'node:crypto';
import type { DatasetRow, DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { Stores } from '../db/stores/index.js';
import type { ColumnSpec } from '../db/tables/catalog.js';
import type { LineageSummary } from './metrics.js';
import type { Generator, Provenance, SourceRole } from './provenance.js';

/** `producer` / `_producer`: this software (a URN: an Assay server has no one public home page). */
export const OPENLINEAGE_PRODUCER = 'urn:assay:server';
export const RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const FACET_SCHEMAS = {
  schema: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  dataSource: 'https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet',
  version: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  /** Assay's own facets; their fields are listed in the README ("Compliance and interop"). */
  assayLineage: 'urn:assay:openlineage:AssayLineageDatasetFacet:1-0-0',
  assaySource: 'urn:assay:openlineage:AssaySourceInputDatasetFacet:1-0-0',
} as const;

const facet = (schemaURL: string) => ({ _producer: OPENLINEAGE_PRODUCER, _schemaURL: schemaURL });

/** A version as an OpenLineage dataset: namespace per vendor, name per dataset, the version in the version facet. */
export interface LineageDatasetRef {
  vendorSlug: string;
  datasetSlug: string;
  title: string;
  version: string;
  versionId: string;
  columns: ColumnSpec[];
}

export const datasetNamespace = (vendorSlug: string) => `assay://${vendorSlug}`;

function datasetFacets(d: LineageDatasetRef) {
  return {
    schema: {
      ...facet(FACET_SCHEMAS.schema),
      fields: d.columns.map((c, i) => ({
        name: c.name,
        type: c.type,
        ...(c.description ? { description: c.description } : {}),
        ordinal_position: i + 1,
      })),
    },
    dataSource: {
      ...facet(FACET_SCHEMAS.dataSource),
      name: `${d.vendorSlug}/${d.datasetSlug}`,
      uri: `${datasetNamespace(d.vendorSlug)}/${d.datasetSlug}`,
    },
    version: { ...facet(FACET_SCHEMAS.version), datasetVersion: d.version, assayVersionId: d.versionId },
  };
}

export interface RunEventInput {
  runId: string;
  eventTime: Date;
  method: string;
  generator: Generator | null;
  output: LineageDatasetRef & { kind: string; summary: Pick<LineageSummary, 'generationDepth' | 'realFraction' | 'humanReviewedFraction'> };
  inputs: (LineageDatasetRef & { role: SourceRole; rowsUsed: number })[];
}

/**
 * The COMPLETE RunEvent of one publish.
 * @example toRunEvent({ runId, eventTime, method: 'LLM_GENERATION', generator, output, inputs })
 */
export function toRunEvent(input: RunEventInput): Record<string, unknown> {
  const { output } = input;
  return {
    eventType: 'COMPLETE',
    eventTime: input.eventTime.toISOString(),
    producer: OPENLINEAGE_PRODUCER,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: { runId: input.runId },
    job: {
      namespace: datasetNamespace(output.vendorSlug),
      name: `${output.datasetSlug}.${input.method.toLowerCase()}`,
      facets: { jobType: { ...facet(FACET_SCHEMAS.jobType), processingType: 'BATCH', integration: 'ASSAY', jobType: input.method } },
    },
    inputs: input.inputs.map((i) => ({
      namespace: datasetNamespace(i.vendorSlug),
      name: i.datasetSlug,
      facets: datasetFacets(i),
      inputFacets: { assay: { ...facet(FACET_SCHEMAS.assaySource), role: i.role, rowsUsed: i.rowsUsed } },
    })),
    outputs: [
      {
        namespace: datasetNamespace(output.vendorSlug),
        name: output.datasetSlug,
        facets: {
          ...datasetFacets(output),
          assay: {
            ...facet(FACET_SCHEMAS.assayLineage),
            kind: output.kind,
            generationDepth: output.summary.generationDepth,
            realFraction: output.summary.realFraction,
            humanReviewedFraction: output.summary.humanReviewedFraction,
            method: input.method,
            generator: input.generator
              ? { model: input.generator.model, version: input.generator.version, provider: input.generator.provider }
              : null,
          },
        },
      },
    ],
  };
}

/**
 * Publish's OpenLineage step, inside its transaction: a version derived from sources gets its run event, stored as the
 * stream's next row and the push outbox's next delivery. Versions without sources (collected or simulated) get none.
 */
export async function recordRunEvent(
  tx: Stores,
  args: { dataset: DatasetRow; version: DatasetVersionRow; provenance: Provenance | null; summary: LineageSummary; now: Date },
): Promise<void> {
  const { dataset, version, provenance, summary, now } = args;
  if (!provenance || provenance.sources.length === 0) return;
  const ref = async (v: DatasetVersionRow): Promise<LineageDatasetRef> => {
    const d = v.id === version.id ? dataset : (await tx.catalog.datasetById.load(v.datasetId))!;
    const vendor = await tx.accounts.organizationById.load(d.vendorId);
    return {
      vendorSlug: vendor?.slug ?? d.vendorId,
      datasetSlug: d.slug,
      title: d.title,
      version: v.version,
      versionId: v.id,
      columns: v.columns,
    };
  };
  const sources = (await tx.catalog.versionById.loadMany(provenance.sources.map((s) => s.versionId))) as DatasetVersionRow[];
  const runId = randomUUID();
  const event = toRunEvent({
    runId,
    eventTime: now,
    method: provenance.method ?? 'OTHER',
    generator: provenance.generator,
    output: { ...(await ref(version)), kind: dataset.kind, summary },
    inputs: await Promise.all(
      provenance.sources.map(async (s, i) => ({ ...(await ref(sources[i]!)), role: s.role, rowsUsed: s.rowsUsed })),
    ),
  });
  await tx.openLineage.insert({ runId, vendorId: dataset.vendorId, versionId: version.id, event, createdAt: now, nextAttemptAt: now });
}
