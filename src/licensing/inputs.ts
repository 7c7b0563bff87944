import { z } from 'zod';
import { line, nodeId } from '../validation.js';
import { AccessAnswersInput } from '../offers/questions.js';

const returnUrl = z
  .string()
  .max(2000, 'must be at most 2000 characters')
  .url('must be an absolute URL')
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

export const PurchaseLicenseInput = z.object({
  offerId: nodeId('off'),
  idempotencyKey: z
    .string()
    .min(8, 'must be at least 8 characters')
    .max(200, 'must be at most 200 characters')
    .regex(/^[A-Za-z0-9._:-]+$/, 'must contain only letters, digits, ".", "_", ":" and "-"'),
  successUrl: returnUrl.nullish(),
  cancelUrl: returnUrl.nullish(),
  answers: AccessAnswersInput,
});

export const LicenseIdInput = z.object({ id: nodeId('lic') });
export const LicenseReasonInput = z.object({ id: nodeId('lic'), reason: line(1000) });
