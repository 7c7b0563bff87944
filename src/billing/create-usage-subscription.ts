import type Stripe from 'stripe';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { OfferRow } from '../db/stores/offers-store.js';
import { stripeIdempotencyKey } from './stripe-client.js';

const UNIT_NAMES = { GIGABYTE: 'gigabyte', THOUSAND_ROWS: 'thousand rows', REQUEST: 'request' } as const;

/** The meter's event name for an offer: usage events for its licenses are reported under it. */
export function meterEventName(offerId: string): string {
  return `assay_usage_${offerId}`;
}

/**
 * The USAGE offer's Billing Meter and metered monthly price (included units free, as a graduated first tier), created
 * once per offer: idempotency keys are derived from the offer, so concurrent first purchases get the same objects.
 */
export async function createUsagePrice(
  stripe: Stripe,
  offer: OfferRow,
  productName: string,
): Promise<{ meterId: string; priceId: string }> {
  const meter = await stripe.billing.meters.create(
    {
      display_name: `${productName} (${UNIT_NAMES[offer.usageUnit!]})`.slice(0, 250),
      event_name: meterEventName(offer.id),
      default_aggregation: { formula: 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
    },
    { idempotencyKey: stripeIdempotencyKey('meter', offer.id) },
  );
  const included = Math.floor(offer.includedUnits ?? 0);
  const price = await stripe.prices.create(
    {
      currency: offer.currency!,
      product_data: { name: productName, metadata: { offer_id: offer.id } },
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
      ...(included > 0
        ? {
            billing_scheme: 'tiered' as const,
            tiers_mode: 'graduated' as const,
            tiers: [
              { up_to: included, unit_amount: 0 },
              { up_to: 'inf' as const, unit_amount: offer.unitAmountCents! },
            ],
          }
        : { unit_amount: offer.unitAmountCents! }),
      metadata: { offer_id: offer.id },
    },
    { idempotencyKey: stripeIdempotencyKey('metered-price', offer.id) },
  );
  return { meterId: meter.id, priceId: price.id };
}

/** The license's metered subscription on the vendor's connected account (idempotent per license). */
export function createUsageSubscription(
  stripe: Stripe,
  req: { license: LicenseRow; priceId: string; customerId: string; destinationAccountId: string; applicationFeeBps: number },
): Promise<Stripe.Subscription> {
  const metadata = { license_id: req.license.id, offer_id: req.license.offerId, licensee_id: req.license.licenseeId };
  return stripe.subscriptions.create(
    {
      customer: req.customerId,
      items: [{ price: req.priceId }],
      application_fee_percent: req.applicationFeeBps / 100,
      transfer_data: { destination: req.destinationAccountId },
      ...(req.license.trialDays ? { trial_period_days: req.license.trialDays } : {}),
      metadata,
    },
    { idempotencyKey: stripeIdempotencyKey('usage-subscription', req.license.id) },
  );
}
