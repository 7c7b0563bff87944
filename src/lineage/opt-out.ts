import { z } from 'zod';
import { BadUserInputError } from '../errors.js';
import type { Provenance } from './provenance.js';

/** The machine-readable opt-out signals a web collector checks before mining a site. */
export const OPT_OUT_SIGNALS = ['ROBOTS_TXT', 'TDMREP', 'AI_PREFERENCES'] as const;
export type OptOutSignal = (typeof OPT_OUT_SIGNALS)[number];

/** One signal as the vendor read it when collecting: where, when, what it said, and a hash of the bytes read. */
export interface OptOutEvidence {
  signal: OptOutSignal;
  url: string;
  value: string;
  reserved: boolean;
  checkedAt: string;
  sha256: string;
}

export const MAX_OPT_OUT_EVIDENCE = 100;

/** IETF AI-preferences usage categories whose "n" reserves training (draft-ietf-aipref-vocab). */
const TRAINING_CATEGORIES = new Set(['train-ai', 'train-genai', 'ai']);
const AI_PREFERENCES = /^[a-z][a-z0-9-]*=[yn](\s*,\s*[a-z][a-z0-9-]*=[yn])*$/;

/** Whether an AI-preferences value (`train-ai=n, search=y`) reserves model training. */
function aiPreferencesReserve(value: string): boolean {
  return value.split(',').some((pair) => {
    const [key, answer] = pair.trim().split('=');
    return TRAINING_CATEGORIES.has(key!) && answer === 'n';
  });
}

const EvidenceInput = z
  .object({
    signal: z.enum(OPT_OUT_SIGNALS),
    url: z
      .string()
      .max(2000, 'must be at most 2000 characters')
      .url('must be an http(s) URL')
      .refine((u) => /^https?:\/\//i.test(u) && !/[\u0000-\u001f\u007f]/.test(u), 'must be an http(s) URL'),
    /** robots.txt: the group that applied; TDMRep: the `tdm-reservation` value (0 or 1); AI preferences: `train-ai=n, ...`. */
    value: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(4000, 'must be at most 4000 characters')
      .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'must not contain control characters'),
    reserved: z.boolean(),
    checkedAt: z.union(
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
    ),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters')
      .transform((s) => s.toLowerCase()),
  })
  .superRefine((e, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (e.signal === 'TDMREP') {
      if (e.value !== '0' && e.value !== '1') fail('value', 'a TDMRep tdm-reservation is 0 or 1');
      else if (e.reserved !== (e.value === '1'))
        fail('reserved', `tdm-reservation ${e.value} ${e.value === '1' ? 'reserves' : 'does not reserve'} rights`);
    }
    if (e.signal === 'AI_PREFERENCES') {
      if (!AI_PREFERENCES.test(e.value)) fail('value', 'an AI-preferences value lists category=y|n pairs, e.g. "train-ai=n, search=y"');
      else if (e.reserved !== aiPreferencesReserve(e.value)) {
        fail('reserved', `"${e.value}" ${aiPreferencesReserve(e.value) ? 'reserves' : 'does not reserve'} AI training`);
      }
    }
  });

/** Opt-out evidence as a vendor sends it with publish; at most one entry per signal and URL. */
export const OptOutEvidenceInput = z
  .array(EvidenceInput)
  .max(MAX_OPT_OUT_EVIDENCE, `at most ${MAX_OPT_OUT_EVIDENCE} entries`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((e, i) => {
      const key = `${e.signal} ${e.url}`;
      if (seen.has(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'url'], message: `lists ${e.signal} for ${e.url} twice` });
      seen.add(key);
    });
  });
export type OptOutEvidenceEntry = z.output<typeof EvidenceInput>;

/** REAL rows scraped from the web are the ones TDM opt-outs apply to (APIs and agreements carry their own terms). */
export function isWebCollected(kind: string, provenance: Pick<Provenance, 'collectionMethod'> | null): boolean {
  return kind === 'REAL' && provenance?.collectionMethod === 'WEB_SCRAPING';
}

/**
 * Publish's rule: a web-collected REAL version records every signal it checked (all three kinds), none read after
 * `now`; any other version records none.
 */
export function assertOptOutEvidence(webCollected: boolean, evidence: readonly OptOutEvidenceEntry[], now: Date): void {
  const field = 'input.optOutEvidence';
  if (!webCollected) {
    if (evidence.length > 0)
      throw new BadUserInputError(`${field}: only REAL versions collected by WEB_SCRAPING record opt-out evidence`, field);
    return;
  }
  const missing = OPT_OUT_SIGNALS.filter((s) => !evidence.some((e) => e.signal === s));
  if (missing.length > 0) {
    throw new BadUserInputError(
      `${field}: a REAL version collected by WEB_SCRAPING records the opt-out signals it checked (robots.txt, TDMRep, AI preferences); missing: ${missing.join(', ')}`,
      field,
    );
  }
  const future = evidence.findIndex((e) => e.checkedAt.getTime() > now.getTime());
  if (future >= 0) throw new BadUserInputError(`${field}.${future}.checkedAt: must not be in the future`, `${field}.${future}.checkedAt`);
}
