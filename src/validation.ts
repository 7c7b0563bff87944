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

/** The first and last instants a `DateTime` may name: years 1 to 9999 in UTC, what ISO 8601 and PostgreSQL both hold. */
// Date.UTC reads years 0-99 as 1900-1999, so both ends are parsed from their ISO form.
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Whether a date falls in UTC years 1-9999: a client may write `9999-12-31T23:59:59-23:59`, which is year 10000.
 * @example instantInRange(new Date('0000-01-01T00:00:00Z')) // false
 */
export function instantInRange(date: Date): boolean {
  const t = date.getTime();
  return t >= FIRST_INSTANT && t <= LAST_INSTANT;
}

/** A UTF-16 surrogate without its pair: UTF-8 (and so PostgreSQL) cannot carry it. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text PostgreSQL stores exactly as given, for values that come from a URL rather than a validated input: NUL and
 * lone surrogates become U+FFFD.
 * @example storableText('a\u0000b') // 'a\uFFFDb'
 */
export const storableText = (s: string) => s.replace(new RegExp(`\u0000|${LONE_SURROGATE.source}`, 'g'), '\uFFFD');
