import { z } from 'zod';
import { line, nodeId } from '../validation.js';
import { AccessAnswersInput } from '../offers/questions.js';
import { licenseStatus } from '../db/tables/index.js';

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

/** `licenses(filter:)`: every field optional; a created range must not end before it starts. */
export const LicenseFilterInput = z
  .object({
    status: z
      .array(z.enum(licenseStatus.enumValues))
      .min(1, 'must name at least one status')
      .max(licenseStatus.enumValues.length)
      .nullish(),
    datasetId: nodeId('ds').nullish(),
    offerId: nodeId('off').nullish(),
    licenseeId: nodeId('org').nullish(),
    createdAfter: z.date().nullish(),
    createdBefore: z.date().nullish(),
  })
  .refine((f) => !f.createdAfter || !f.createdBefore || f.createdAfter < f.createdBefore, {
    message: 'must be later than createdAfter',
    path: ['createdBefore'],
  })
  .nullish();

export const LicenseOrderInput = z.enum(['CREATED_AT_DESC', 'CREATED_AT_ASC']).nullish();
