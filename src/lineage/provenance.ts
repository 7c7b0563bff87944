import { z } from 'zod';
import { BadUserInputError } from '../errors.js';
import { line, nodeId, text } from '../validation.js';

/** How a version's rows came to be. FILTERING and MIXTURE only select or combine rows; every other method makes new ones. */
export const GENERATION_METHODS = [
  'LLM_GENERATION',
  'DISTILLATION',
  'SIMULATION',
  'RULE_BASED',
  'AUGMENTATION',
  'PRIVACY_PRESERVING_SYNTHESIS',
  'TRANSLATION',
  'FILTERING',
  'MIXTURE',
  'HUMAN_COLLECTION',
  'OTHER',
] as const;
export type GenerationMethod = (typeof GENERATION_METHODS)[number];

/** Methods that do not write new rows: a version made by one of them is as deep as its deepest source. */
const NON_GENERATING: ReadonlySet<GenerationMethod> = new Set(['FILTERING', 'MIXTURE', 'HUMAN_COLLECTION']);

/** True when the method writes rows that did not exist before (so the version is one generation deeper). */
export function generatesRows(method: GenerationMethod | null | undefined): boolean {
  // An undeclared method on a synthetic draft is treated as generating: the conservative reading.
  return method == null || !NON_GENERATING.has(method);
}

export const SOURCE_ROLES = ['SEED', 'REFERENCE', 'GENERATOR_TRAINING_DATA', 'FILTER_MODEL', 'EVALUATION'] as const;
export type SourceRole = (typeof SOURCE_ROLES)[number];

/** Roles whose rows flow into this version's rows (directly or through the generator); they set depth and real roots. */
export const CONTENT_ROLES: ReadonlySet<SourceRole> = new Set(['SEED', 'REFERENCE', 'GENERATOR_TRAINING_DATA']);

export const CURATION_KINDS = [
  'DEDUP',
  'PII_SCRUB',
  'TOXICITY_FILTER',
  'QUALITY_CLASSIFIER',
  'DECONTAMINATION',
  // Removal of unlawful content (e.g. hash-matching known abuse material), which the AI Act summary reports on its own.
  'ILLEGAL_CONTENT_FILTER',
  'HUMAN_REVIEW',
] as const;
export type CurationKind = (typeof CURATION_KINDS)[number];

/** Collection methods of real records; the names follow Croissant RAI's recommended `dataCollectionType` values. */
export const COLLECTION_METHODS = [
  'SURVEY',
  'CROWDSOURCING',
  'WEB_SCRAPING',
  'WEB_API',
  'DIRECT_MEASUREMENT',
  'EXPERIMENT',
  'INTERVIEWS',
  'DOCUMENT_ANALYSIS',
  'SOFTWARE_LOGS',
  'USER_GENERATED_CONTENT',
  'MANUAL_CURATION',
  'OTHER',
] as const;
export type CollectionMethod = (typeof COLLECTION_METHODS)[number];

/** The lawful basis on which real records about people were collected (NOT_PERSONAL_DATA when none are). */
export const CONSENT_BASES = [
  'EXPLICIT_CONSENT',
  'CONTRACT',
  'LEGITIMATE_INTEREST',
  'PUBLIC_DATA',
  'OPEN_LICENSE',
  'ANONYMIZED',
  'NOT_PERSONAL_DATA',
] as const;
export type ConsentBasis = (typeof CONSENT_BASES)[number];

export interface Generator {
  model: string;
  version: string | null;
  provider: string | null;
  parameters: Record<string, unknown> | null;
}

export interface ProvenanceSource {
  versionId: string;
  role: SourceRole;
  rowsUsed: number;
}

export interface CurationStep {
  kind: CurationKind;
  rowsIn: number;
  rowsOut: number;
  /** Only for HUMAN_REVIEW: the share of the step's rows a person looked at. */
  reviewedFraction: number | null;
  notes: string | null;
}

/** A version's declared provenance, as stored on the draft and frozen at publish. */
export interface Provenance {
  method: GenerationMethod | null;
  generator: Generator | null;
  sources: ProvenanceSource[];
  /** Share of rows that are real records (collected, or carried over unchanged from SEED sources). */
  realFraction: number | null;
  curation: CurationStep[];
  collectionMethod: CollectionMethod | null;
  collectionDescription: string | null;
  consentBasis: ConsentBasis | null;
}

export const MAX_SOURCES = 100;
export const MAX_CURATION_STEPS = 50;
const MAX_PARAMETERS_BYTES = 16 * 1024;

const Fraction = z
  .number({ invalid_type_error: 'must be a number between 0 and 1' })
  .finite('must be a number between 0 and 1')
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1');

/** A row count: GraphQL BigInt arrives as bigint, service callers may pass a number. */
const Rows = z
  .union([z.bigint(), z.number().int('must be a whole number')], { invalid_type_error: 'must be a whole number of rows' })
  .transform((v) => Number(v))
  .pipe(z.number().min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER, 'is too large'));

const GeneratorInput = z.object({
  model: line(200),
  version: line(100).nullish(),
  provider: line(200).nullish(),
  parameters: z
    .record(z.string(), z.unknown(), { invalid_type_error: 'must be a JSON object' })
    .refine((p) => Buffer.byteLength(JSON.stringify(p)) <= MAX_PARAMETERS_BYTES, `must be at most ${MAX_PARAMETERS_BYTES} bytes as JSON`)
    // PostgreSQL's jsonb cannot hold a NUL character.
    .refine((p) => !JSON.stringify(p).includes('\\u0000'), 'must not contain NUL characters')
    .nullish(),
});

const SourceInput = z.object({
  versionId: nodeId('dsv'),
  role: z.enum(SOURCE_ROLES),
  rowsUsed: Rows,
});

const CurationStepInput = z.object({
  kind: z.enum(CURATION_KINDS),
  rowsIn: Rows,
  rowsOut: Rows,
  reviewedFraction: Fraction.nullish(),
  notes: text(2000).nullish(),
});

const issue = (ctx: z.RefinementCtx, path: (string | number)[], message: string) =>
  ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });

/**
 * What a vendor declares on a draft version; shape and range rules only (what the dataset kind requires is checked
 * at publish, when the kind can no longer change).
 * @example parseInput(ProvenanceInput, { method: 'LLM_GENERATION', sources: [...] }, 'input.provenance')
 */
export const ProvenanceInput = z
  .object({
    method: z.enum(GENERATION_METHODS).nullish(),
    generator: GeneratorInput.nullish(),
    sources: z.array(SourceInput).max(MAX_SOURCES, `at most ${MAX_SOURCES} sources`).default([]),
    realFraction: Fraction.nullish(),
    curation: z.array(CurationStepInput).max(MAX_CURATION_STEPS, `at most ${MAX_CURATION_STEPS} steps`).default([]),
    collectionMethod: z.enum(COLLECTION_METHODS).nullish(),
    collectionDescription: text(5000).nullish(),
    consentBasis: z.enum(CONSENT_BASES).nullish(),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.sources.forEach((s, i) => {
      if (seen.has(s.versionId)) issue(ctx, ['sources', i, 'versionId'], `cites ${s.versionId} twice; list each source once`);
      seen.add(s.versionId);
      if (s.role === 'SEED' && s.rowsUsed < 1) issue(ctx, ['sources', i, 'rowsUsed'], 'a SEED source contributes at least one row');
    });
    p.curation.forEach((step, i) => {
      if (step.rowsOut > step.rowsIn) {
        issue(
          ctx,
          ['curation', i, 'rowsOut'],
          `a curation step only removes rows: rowsOut (${step.rowsOut}) exceeds rowsIn (${step.rowsIn})`,
        );
      }
      if (step.kind === 'HUMAN_REVIEW' && step.reviewedFraction == null) {
        issue(ctx, ['curation', i, 'reviewedFraction'], 'a HUMAN_REVIEW step states the share of rows reviewed');
      }
      if (step.kind !== 'HUMAN_REVIEW' && step.reviewedFraction != null) {
        issue(ctx, ['curation', i, 'reviewedFraction'], 'only a HUMAN_REVIEW step has a reviewed fraction');
      }
    });
    if (p.method && !generatesRows(p.method) && p.realFraction != null && p.realFraction !== 1) {
      issue(
        ctx,
        ['realFraction'],
        `${p.method} writes no new rows, so every row is carried from a source: leave realFraction out or set 1`,
      );
    }
  })
  .transform((p): Provenance => ({
    method: p.method ?? null,
    generator: p.generator
      ? {
          model: p.generator.model,
          version: p.generator.version ?? null,
          provider: p.generator.provider ?? null,
          parameters: p.generator.parameters ?? null,
        }
      : null,
    sources: p.sources,
    realFraction: p.realFraction ?? null,
    curation: p.curation.map((c) => ({ ...c, reviewedFraction: c.reviewedFraction ?? null, notes: c.notes ?? null })),
    collectionMethod: p.collectionMethod ?? null,
    collectionDescription: p.collectionDescription ?? null,
    consentBasis: p.consentBasis ?? null,
  }));

/** A version cannot cite itself (the smallest cycle); `root` names the input, e.g. `input.provenance`. */
export function assertNotOwnSource(versionId: string, provenance: Provenance, root: string): void {
  const i = provenance.sources.findIndex((s) => s.versionId === versionId);
  if (i >= 0) {
    const field = `${root}.sources.${i}.versionId`;
    throw new BadUserInputError(`${field}: a version cannot be its own source`, field);
  }
}
