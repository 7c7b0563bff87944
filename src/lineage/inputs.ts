import { z } from 'zod';
import { line, nodeId, text } from '../validation.js';

export const RetractDatasetVersionInput = z.object({
  id: nodeId('dsv'),
  reason: line(1000),
});

const Rate = z
  .number({ invalid_type_error: 'must be a number between 0 and 1' })
  .finite('must be a number between 0 and 1')
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1');

const METRICS = ['fidelity', 'privacy', 'dedupPassRate', 'filterPassRate', 'factCheckRate', 'hallucinationRate'] as const;

export const AttachQualityReportInput = z
  .object({
    versionId: nodeId('dsv'),
    /** How closely the synthetic rows follow the real distribution (1 = indistinguishable). */
    fidelity: Rate.nullish(),
    privacy: z
      .object({
        /** Median distance from a synthetic row to its closest real record (0 = copies exist). */
        distanceToClosestRecord: z.number().finite('must be a number').min(0, 'must not be negative').nullish(),
        /** Attack advantage of a membership-inference test (0 = none). */
        membershipInferenceRisk: Rate.nullish(),
      })
      .refine(
        (p) => p.distanceToClosestRecord != null || p.membershipInferenceRisk != null,
        'give distanceToClosestRecord or membershipInferenceRisk',
      )
      .nullish(),
    dedupPassRate: Rate.nullish(),
    filterPassRate: Rate.nullish(),
    /** Share of checked facts found correct. */
    factCheckRate: Rate.nullish(),
    /** Share of rows with an unsupported or false claim. */
    hallucinationRate: Rate.nullish(),
    producedBy: line(200),
    attestation: z.enum(['VENDOR', 'THIRD_PARTY']),
    reportUrl: z
      .string()
      .max(2000, 'must be at most 2000 characters')
      .url('must be an http(s) URL')
      .refine((u) => /^https?:\/\//i.test(u) && !/[\u0000-\u001f\u007f]/.test(u), 'must be an http(s) URL')
      .nullish(),
    notes: text(10_000).nullish(),
  })
  .superRefine((r, ctx) => {
    if (METRICS.every((m) => r[m] == null)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [], message: `a quality report has at least one metric (${METRICS.join(', ')})` });
    }
  });

/** `maxDepth` of ancestors/descendants: 1..50 generations, default all 50. */
export const MAX_LINEAGE_DEPTH = 50;
