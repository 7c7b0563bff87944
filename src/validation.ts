import { z } from 'zod';
import { BadUserInputError } from './errors.js';

/**
 * Validates a mutation's input; the first problem becomes BAD_USER_INPUT naming the field (`input.title`).
 * @example const input = parseInput(CreateDatasetInput, args.input);
 */
export function parseInput<S extends z.ZodTypeAny>(schema: S, value: unknown, root = 'input'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = [root, ...issue.path].join('.');
  throw new BadUserInputError(`${field}: ${issue.message}`, field);
}

export const slug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
    'must be 1-64 lowercase letters, digits and hyphens, not starting or ending with a hyphen',
  );

/** A trimmed, non-empty single-line text of at most `max` characters. */
export const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

/** Free text (newlines allowed) of at most `max` characters. */
export const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'must not contain control characters');

export const email = z.string().trim().max(254, 'must be at most 254 characters').email('must be an email address');

/** A GraphQL `ID` argument in the prefixed form we issue. */
export const nodeId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `must be an ID starting with ${prefix}_`);
