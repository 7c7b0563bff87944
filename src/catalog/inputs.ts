import { CoverageFilterInput } from '../coverage/inputs.js';
import { z } from 'zod';
import { SEMVER } from './semver.js';
import { ProvenanceInput } from '../lineage/provenance.js';
import { OptOutEvidenceInput } from '../lineage/opt-out.js';
import { LICENSE_PERMISSIONS } from './terms.js';
import { line, nodeId, slug, text } from '../validation.js';

export const MAX_SAMPLE_ROWS = 100;
export const MAX_SAMPLE_BYTES = 256 * 1024;
export const MAX_FILES = 1000;
export const MAX_COLUMNS = 1000;

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9+.-]{0,39}$/, 'each tag must be 1-40 lowercase letters, digits, "+", "." or "-"');

export const Tags = z
  .array(tag)
  .max(20, 'at most 20 tags')
  .transform((tags) => [...new Set(tags)]);

export const LicenseTermsInput = z.object({
  spdxId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/, 'must be an SPDX license identifier such as CC-BY-4.0')
    .nullish(),
  commercialUse: z.boolean(),
  modelTraining: z.boolean(),
  derivatives: z.boolean(),
  syntheticGeneration: z.boolean(),
  redistribution: z.boolean(),
  attributionRequired: z.boolean(),
});

const Kind = z.enum(['REAL', 'SYNTHETIC', 'HYBRID']);
const ModalityInput = z.enum(['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'TABULAR', 'CODE', 'MULTIMODAL']);

export const CreateDatasetInput = z.object({
  slug,
  title: line(200),
  summary: line(500).nullish(),
  description: text(50_000).nullish(),
  kind: Kind,
  modality: ModalityInput,
  tags: Tags.default([]),
  terms: LicenseTermsInput,
});

export const UpdateDatasetInput = z.object({
  id: nodeId('ds'),
  title: line(200).optional(),
  summary: line(500).nullish(),
  description: text(50_000).nullish(),
  kind: Kind.optional(),
  modality: ModalityInput.optional(),
  tags: Tags.optional(),
  terms: LicenseTermsInput.optional(),
});

/** A file path inside a version: relative, no `.`/`..` segments, no backslashes or control characters. */
export const FilePath = z
  .string()
  .min(1, 'must not be empty')
  .max(512, 'must be at most 512 characters')
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !p.includes('\\') &&
      !/[\u0000-\u001f\u007f]/.test(p) &&
      p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'),
    'must be a relative path like "data/train-000.parquet" without "." or ".." segments',
  );

const FileInput = z.object({
  path: FilePath,
  byteSize: z.bigint().min(0n, 'must not be negative').max(BigInt(Number.MAX_SAFE_INTEGER), 'is too large'),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters')
    .transform((s) => s.toLowerCase()),
  rowCount: z.bigint().min(0n, 'must not be negative').nullish(),
});

const ColumnInput = z.object({
  name: line(200),
  type: line(100),
  description: text(2000).nullish(),
});

const Sample = z
  .array(z.record(z.string(), z.unknown()), { invalid_type_error: 'must be a list of row objects' })
  .max(MAX_SAMPLE_ROWS, `at most ${MAX_SAMPLE_ROWS} rows`)
  .refine((rows) => Buffer.byteLength(JSON.stringify(rows)) <= MAX_SAMPLE_BYTES, `must be at most ${MAX_SAMPLE_BYTES} bytes as JSON`);

const uniqueBy =
  <T>(key: (t: T) => string, what: string) =>
  (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `duplicate ${what} "${k}"` });
      seen.add(k);
    });
  };

const Files = z
  .array(FileInput)
  .max(MAX_FILES, `at most ${MAX_FILES} files`)
  .superRefine(uniqueBy((f) => f.path, 'path'));
const Columns = z
  .array(ColumnInput)
  .max(MAX_COLUMNS, `at most ${MAX_COLUMNS} columns`)
  .superRefine(uniqueBy((c) => c.name, 'column name'));

export const CreateDatasetVersionInput = z.object({
  datasetId: nodeId('ds'),
  version: z.string().regex(SEMVER, 'must be a semantic version such as 1.0.0'),
  format: line(50).nullish(),
  columns: Columns.default([]),
  sample: Sample.nullish(),
  changelog: text(20_000).nullish(),
  files: Files.default([]),
  provenance: ProvenanceInput.nullish(),
});

export const UpdateDatasetVersionInput = z.object({
  id: nodeId('dsv'),
  format: line(50).nullish(),
  columns: Columns.optional(),
  sample: Sample.nullish(),
  changelog: text(20_000).nullish(),
  files: Files.optional(),
  /** Replaces the declared provenance; null removes it, absent keeps it. */
  provenance: ProvenanceInput.nullish(),
});

export const VersionIdInput = z.object({ id: nodeId('dsv') });
export const PublishDatasetVersionInput = z.object({ id: nodeId('dsv'), optOutEvidence: OptOutEvidenceInput.default([]) });
export const DatasetReasonInput = z.object({ id: nodeId('ds'), reason: line(1000) });
export const DatasetIdInput = z.object({ id: nodeId('ds') });

export const DatasetFilterInput = z
  .object({
    search: z.string().trim().max(200, 'must be at most 200 characters').optional().nullable(),
    kind: z.array(Kind).max(3).nullish(),
    kinds: z.array(Kind).max(3).nullish(),
    modality: z.array(ModalityInput).max(7).nullish(),
    modalities: z.array(ModalityInput).max(7).nullish(),
    tags: z.array(tag).max(20, 'at most 20 tags').nullish(),
    vendor: slug.nullish(),
    permissions: z
      .array(z.enum(['COMMERCIAL_USE', 'MODEL_TRAINING', 'DERIVATIVES', 'SYNTHETIC_GENERATION', 'REDISTRIBUTION', 'NO_ATTRIBUTION']))
      .max(6)
      .nullish(),
    status: z
      .array(z.enum(['DRAFT', 'PUBLISHED', 'SUSPENDED', 'ARCHIVED']))
      .min(1)
      .max(4)
      .nullish(),
    maxGenerationDepth: z.number().int('must be a whole number').min(0, 'must not be negative').nullish(),
    minRealFraction: z.number().finite().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullish(),
    inheritedPermissions: z.array(z.enum(LICENSE_PERMISSIONS)).max(6).nullish(),
    coverage: CoverageFilterInput.nullish(),
  })
  // The deprecated plural names are aliases: one name per filter, so a client never wonders which one won.
  .refine((f) => f.kind == null || f.kinds == null, { message: 'give kind or its older name kinds, not both', path: ['kind'] })
  .refine((f) => f.modality == null || f.modalities == null, {
    message: 'give modality or its older name modalities, not both',
    path: ['modality'],
  })
  .nullish();
