import { z } from 'zod';
import { line, nodeId } from '../validation.js';

/** A count of rows from a BigInt input: a whole number, 0 or more. */
export const RowCount = (min: number) =>
  z
    .union([z.bigint(), z.number().int('must be a whole number')], { invalid_type_error: 'must be a whole number of rows' })
    .transform((v) => Number(v))
    .pipe(
      z
        .number()
        .min(min, min === 0 ? 'must not be negative' : `must be at least ${min}`)
        .max(Number.MAX_SAFE_INTEGER, 'is too large'),
    );

/** Attribute names are lowercase words (language, region, age_band): the catalog filter matches them exactly. */
const attribute = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be 1-63 lowercase letters, digits and underscores, starting with a letter');

export const MAX_COVERAGE_GROUPS = 200;

export const AttachCoverageReportInput = z.object({
  versionId: nodeId('dsv'),
  attribute,
  groups: z
    .array(
      z.object({
        value: line(100),
        count: RowCount(0),
        referenceShare: z.number().finite().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullish(),
      }),
    )
    .min(1, 'a report has at least one group')
    .max(MAX_COVERAGE_GROUPS, `at most ${MAX_COVERAGE_GROUPS} groups`)
    .superRefine((groups, ctx) => {
      const seen = new Set<string>();
      groups.forEach((g, i) => {
        if (seen.has(g.value))
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'value'], message: `group "${g.value}" is listed twice` });
        seen.add(g.value);
      });
      if (groups.every((g) => g.count === 0))
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [], message: 'the groups count no rows at all' });
      const reference = groups.reduce((sum, g) => sum + (g.referenceShare ?? 0), 0);
      if (reference > 1 + 1e-9) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [], message: 'reference shares add up to more than 1' });
    }),
  /** Who produced the counts. */
  attestedBy: line(200),
  attestation: z.enum(['VENDOR', 'THIRD_PARTY']),
});

/** The catalog's coverage filter: the latest version's newest report on `attribute` has `group` at least this big. */
export const CoverageFilterInput = z
  .object({
    attribute,
    group: line(100),
    minShare: z.number().finite().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullish(),
    minCount: RowCount(0).nullish(),
  })
  .refine((f) => f.minShare != null || f.minCount != null, { message: 'give minShare or minCount', path: ['minShare'] });
