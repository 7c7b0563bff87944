import { z } from 'zod';
import { instantInRange, line, text } from '../validation.js';

export const MODALITIES = ['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'TABULAR', 'CODE', 'MULTIMODAL'] as const;

/** The kinds of source the AI Office template lists; a buyer's own (non-Assay) sources are filed under one of them. */
export const OTHER_SOURCE_KINDS = [
  'PUBLIC_DATASET',
  'COMMERCIALLY_LICENSED',
  'PRIVATE',
  'CRAWLED',
  'USER_DATA',
  'SYNTHETIC',
  'OTHER',
] as const;
export type OtherSourceKind = (typeof OTHER_SOURCE_KINDS)[number];

export const MAX_OTHER_SOURCES = 50;

/** A date the buyer gives: DateTime arrives parsed (a Date); a service caller may pass an ISO string. */
const Instant = z
  .union(
    [
      z.date(),
      z
        .string()
        .datetime({ offset: true })
        .transform((s) => new Date(s)),
    ],
    {
      invalid_type_error: 'must be an ISO 8601 date-time',
    },
  )
  .refine((d) => !Number.isNaN(d.getTime()) && instantInRange(d), 'must fall between years 1 and 9999 in UTC');

const OtherSource = z.object({
  kind: z.enum(OTHER_SOURCE_KINDS),
  name: line(200),
  description: text(5000).refine((s) => s.trim().length > 0, 'must not be empty'),
});

/**
 * The facts about the model only its provider knows, added to what Assay knows about the mix.
 * @example parseInput(TrainingContentSummaryInput, args.input)
 */
export const TrainingContentSummaryInput = z
  .object({
    modelName: line(200),
    modelVersion: line(100),
    provider: line(200),
    modalities: z
      .array(z.enum(MODALITIES))
      .min(1, 'name at least one modality')
      .max(MODALITIES.length)
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((m, i) => {
          if (seen.has(m)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `lists ${m} twice` });
          seen.add(m);
        });
      }),
    /** When the training data was collected, first to last. */
    dataFrom: Instant,
    dataTo: Instant,
    otherSources: z.array(OtherSource).max(MAX_OTHER_SOURCES, `at most ${MAX_OTHER_SOURCES} entries`).default([]),
    /** The provider's own measures, in its words; Assay adds what its vendors recorded. */
    tdmOptOutMeasures: text(5000).nullish(),
    illegalContentMeasures: text(5000).nullish(),
  })
  .superRefine((input, ctx) => {
    if (input.dataTo.getTime() < input.dataFrom.getTime()) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['dataTo'], message: 'must not be before dataFrom' });
    }
  });
export type TrainingContentSummaryFacts = z.output<typeof TrainingContentSummaryInput>;
