import { z } from 'zod';
import { BadUserInputError } from '../errors.js';
import { line } from '../validation.js';

/** What an offer may ask whoever requests access (as Hugging Face's gated datasets do). */
export type QuestionKind = 'TEXT' | 'SINGLE_CHOICE' | 'CHECKBOX' | 'COUNTRY';

export interface AccessQuestion {
  /** Stable key the answers name (`intended_use`). */
  key: string;
  label: string;
  kind: QuestionKind;
  required: boolean;
  /** SINGLE_CHOICE only: the choices. */
  options: string[];
}

export interface AccessAnswer {
  key: string;
  value: string;
}

export const MAX_QUESTIONS = 20;
export const MAX_TEXT_ANSWER = 2000;

/** An offer's questions as a vendor sends them; keys unique, choices only (and at least two) for SINGLE_CHOICE. */
export const AccessQuestionsInput = z
  .array(
    z
      .object({
        key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be 1-40 lowercase letters, digits and underscores, starting with a letter'),
        label: line(300),
        kind: z.enum(['TEXT', 'SINGLE_CHOICE', 'CHECKBOX', 'COUNTRY']),
        required: z.boolean().default(false),
        options: z.array(line(200)).max(50, 'must list at most 50 choices').default([]),
      })
      .superRefine((q, ctx) => {
        if (q.kind === 'SINGLE_CHOICE' && q.options.length < 2)
          ctx.addIssue({ code: 'custom', path: ['options'], message: 'a single choice needs at least two options' });
        if (q.kind !== 'SINGLE_CHOICE' && q.options.length > 0)
          ctx.addIssue({ code: 'custom', path: ['options'], message: 'only SINGLE_CHOICE questions have options' });
        if (new Set(q.options).size !== q.options.length)
          ctx.addIssue({ code: 'custom', path: ['options'], message: 'must not repeat a choice' });
      }),
  )
  .max(MAX_QUESTIONS, `must ask at most ${MAX_QUESTIONS} questions`)
  .superRefine((qs, ctx) => {
    const seen = new Set<string>();
    qs.forEach((q, i) => {
      if (seen.has(q.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `repeats the key "${q.key}"` });
      seen.add(q.key);
    });
  })
  .default([]);

/** Answers as a buyer sends them with `purchaseLicense`. */
export const AccessAnswersInput = z
  .array(z.object({ key: z.string().max(40, 'must be at most 40 characters'), value: z.string().max(MAX_TEXT_ANSWER + 1) }))
  .max(MAX_QUESTIONS, `must answer at most ${MAX_QUESTIONS} questions`)
  .default([]);

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** True for an ISO 3166-1 alpha-2 code of a real region (`DE`, `BR`), false for `XX` or `de`. */
export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  const name = regionNames.of(code);
  return name !== undefined && name !== code;
}

/** Why an answer does not fit its question, or undefined when it does. */
function answerProblem(question: AccessQuestion, value: string): string | undefined {
  switch (question.kind) {
    case 'TEXT': {
      const trimmed = value.trim();
      if (trimmed.length === 0) return 'must not be empty';
      if (trimmed.length > MAX_TEXT_ANSWER) return `must be at most ${MAX_TEXT_ANSWER} characters`;
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) return 'must not contain control characters';
      return undefined;
    }
    case 'SINGLE_CHOICE':
      return question.options.includes(value) ? undefined : `must be one of: ${question.options.join(', ')}`;
    case 'CHECKBOX':
      if (value !== 'true' && value !== 'false') return 'must be "true" or "false"';
      return question.required && value !== 'true' ? 'must be checked' : undefined;
    case 'COUNTRY':
      return isCountryCode(value) ? undefined : 'must be an ISO 3166-1 alpha-2 country code such as DE';
  }
}

/**
 * Checks a buyer's answers against an offer's questions and returns them in question order (TEXT trimmed). The first
 * bad answer is refused with BAD_USER_INPUT naming it by its question's key (`input.answers.intended_use`).
 * @example checkAnswers(offer.accessQuestions, [{ key: 'country', value: 'DE' }])
 */
export function checkAnswers(questions: readonly AccessQuestion[], answers: readonly AccessAnswer[]): AccessAnswer[] {
  const byKey = new Map<string, string>();
  for (const a of answers) {
    const field = `input.answers.${a.key}`;
    if (!questions.some((q) => q.key === a.key)) throw new BadUserInputError(`${field}: the offer asks no such question`, field);
    if (byKey.has(a.key)) throw new BadUserInputError(`${field}: answered twice`, field);
    byKey.set(a.key, a.value);
  }
  const out: AccessAnswer[] = [];
  for (const q of questions) {
    const field = `input.answers.${q.key}`;
    const value = byKey.get(q.key);
    if (value === undefined) {
      if (q.required) throw new BadUserInputError(`${field}: required ("${q.label}")`, field);
      continue;
    }
    const problem = answerProblem(q, value);
    if (problem) throw new BadUserInputError(`${field}: ${problem}`, field);
    out.push({ key: q.key, value: q.kind === 'TEXT' ? value.trim() : value });
  }
  return out;
}
