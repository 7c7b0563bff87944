import { z } from 'zod';
import { LicenseTermsInput } from '../catalog/inputs.js';
import { line, nodeId } from '../validation.js';
import { AccessQuestionsInput } from './questions.js';

/** Currencies offers may be priced in (ISO 4217, lowercase as Stripe takes them). */
export const SUPPORTED_CURRENCIES = [
  'usd',
  'eur',
  'gbp',
  'chf',
  'cad',
  'aud',
  'nzd',
  'jpy',
  'sek',
  'nok',
  'dkk',
  'pln',
  'sgd',
  'hkd',
  'inr',
  'brl',
  'mxn',
] as const;

/** Stripe's smallest charge is around 50 minor units; its largest eight digits. */
export const MIN_AMOUNT_CENTS = 50;
export const MAX_AMOUNT_CENTS = 99_999_999;
export const MAX_UNITS = 1e12;
export const MAX_TERM_DAYS = 3650;
export const MAX_ROYALTY_BPS = 5000;
export const MAX_TRIAL_DAYS = 365;
/** Buyer organizations one private offer may name. */
export const MAX_VISIBLE_TO = 100;

const cents = (min: number) =>
  z
    .number()
    .int('must be an integer number of minor units')
    .min(min, `must be at least ${min}`)
    .max(MAX_AMOUNT_CENTS, `must be at most ${MAX_AMOUNT_CENTS}`);

const units = z.number().finite().min(0, 'must not be negative').max(MAX_UNITS, `must be at most ${MAX_UNITS}`);

export const PricingModelInput = z.enum(['FREE', 'ONE_TIME', 'SUBSCRIPTION', 'USAGE']);

export const CreateOfferInput = z.object({
  datasetId: nodeId('ds'),
  name: line(200),
  pricingModel: PricingModelInput,
  currency: z
    .string()
    .regex(/^[a-z]{3}$/, 'must be a lowercase ISO 4217 code such as usd')
    .refine((c) => (SUPPORTED_CURRENCIES as readonly string[]).includes(c), `must be one of ${SUPPORTED_CURRENCIES.join(', ')}`)
    .nullish(),
  amountCents: cents(MIN_AMOUNT_CENTS).nullish(),
  termDays: z
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(MAX_TERM_DAYS, `must be at most ${MAX_TERM_DAYS}`)
    .nullish(),
  billingInterval: z.enum(['MONTHLY', 'YEARLY']).nullish(),
  usageUnit: z.enum(['GIGABYTE', 'THOUSAND_ROWS', 'REQUEST']).nullish(),
  unitAmountCents: cents(1).nullish(),
  includedUnits: units.nullish(),
  usageCap: units.refine((n) => n > 0, 'must be positive').nullish(),
  // Left out: the dataset's terms narrowed by what the covered versions inherit.
  terms: LicenseTermsInput.nullish(),
  versions: z
    .object({
      scope: z.enum(['ALL', 'LATEST_AT_PURCHASE', 'PINNED']),
      versionIds: z.array(nodeId('dsv')).max(100, 'at most 100 versions').nullish(),
    })
    .default({ scope: 'ALL' }),
  requiresApproval: z.boolean().default(false),
  royaltyBps: z
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_ROYALTY_BPS, `must be at most ${MAX_ROYALTY_BPS}`)
    .nullish(),
  questions: AccessQuestionsInput,
  trialDays: z
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(MAX_TRIAL_DAYS, `must be at most ${MAX_TRIAL_DAYS}`)
    .nullish(),
  visibleTo: z.array(nodeId('org')).max(MAX_VISIBLE_TO, `at most ${MAX_VISIBLE_TO} organizations`).nullish(),
});
export type CreateOfferInput = z.output<typeof CreateOfferInput>;

type PriceField =
  | 'currency'
  | 'amountCents'
  | 'termDays'
  | 'billingInterval'
  | 'usageUnit'
  | 'unitAmountCents'
  | 'includedUnits'
  | 'usageCap'
  | 'trialDays';

/** Which price fields each pricing model requires and which it accepts. */
export const PRICE_FIELDS: Record<z.output<typeof PricingModelInput>, { required: PriceField[]; optional: PriceField[] }> = {
  FREE: { required: [], optional: ['termDays'] },
  ONE_TIME: { required: ['currency', 'amountCents'], optional: ['termDays'] },
  SUBSCRIPTION: { required: ['currency', 'amountCents', 'billingInterval'], optional: ['trialDays'] },
  USAGE: { required: ['currency', 'usageUnit', 'unitAmountCents'], optional: ['includedUnits', 'usageCap', 'trialDays'] },
};
export const ALL_PRICE_FIELDS: PriceField[] = [
  'currency',
  'amountCents',
  'termDays',
  'billingInterval',
  'usageUnit',
  'unitAmountCents',
  'includedUnits',
  'usageCap',
  'trialDays',
];

export const OfferIdInput = z.object({ id: nodeId('off') });
