import type Stripe from 'stripe';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import { stripeIdempotencyKey } from './stripe-client.js';

export interface CheckoutRequest {
  license: LicenseRow;
  /** Shown on the Checkout page. */
  productName: string;
  customerId: string;
  /** The vendor's connected account: the destination of the charge or subscription. */
  destinationAccountId: string;
  /** Platform fee plus upstream royalties, in basis points: kept by the platform, royalties transferred on. */
  applicationFeeBps: number;
  /** `applicationFeeBps` of the one-time amount, to the cent (the ledger split's fee + royalties). */
  applicationFeeAmount: number;
}

/**
 * The Checkout Session parameters for a ONE_TIME (payment mode, destination charge with an application fee) or
 * SUBSCRIPTION (subscription mode, application fee percent) license. Pure.
 */
export function checkoutSessionParams(req: CheckoutRequest): Stripe.Checkout.SessionCreateParams {
  const { license } = req;
  const metadata = { license_id: license.id, offer_id: license.offerId, licensee_id: license.licenseeId };
  const common = {
    customer: req.customerId,
    client_reference_id: license.id,
    metadata,
    success_url: license.successUrl!,
    ...(license.cancelUrl ? { cancel_url: license.cancelUrl } : {}),
  };
  if (license.pricingModel === 'SUBSCRIPTION') {
    return {
      ...common,
      mode: 'subscription',
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: license.currency!,
            unit_amount: license.amountCents!,
            recurring: { interval: license.billingInterval === 'YEARLY' ? 'year' : 'month' },
            product_data: { name: req.productName },
          },
        },
      ],
      subscription_data: {
        application_fee_percent: req.applicationFeeBps / 100,
        transfer_data: { destination: req.destinationAccountId },
        ...(license.trialDays ? { trial_period_days: license.trialDays } : {}),
        metadata,
      },
    };
  }
  return {
    ...common,
    mode: 'payment',
    line_items: [
      {
        quantity: 1,
        price_data: { currency: license.currency!, unit_amount: license.amountCents!, product_data: { name: req.productName } },
      },
    ],
    payment_intent_data: {
      application_fee_amount: req.applicationFeeAmount,
      transfer_data: { destination: req.destinationAccountId },
      transfer_group: license.id,
      metadata,
    },
  };
}

/** Creates the license's one Checkout Session (idempotent per license). */
export function createCheckoutSession(stripe: Stripe, req: CheckoutRequest): Promise<Stripe.Checkout.Session> {
  return stripe.checkout.sessions.create(checkoutSessionParams(req), {
    idempotencyKey: stripeIdempotencyKey('checkout', req.license.id),
  });
}
