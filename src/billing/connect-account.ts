import type Stripe from 'stripe';
import { stripeIdempotencyKey } from './stripe-client.js';

/** A vendor's Express account, created once per organization. */
export function createConnectAccount(
  stripe: Stripe,
  org: { id: string; name: string },
  email: string | undefined,
): Promise<Stripe.Account> {
  return stripe.accounts.create(
    {
      type: 'express',
      ...(email ? { email } : {}),
      business_profile: { name: org.name },
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      metadata: { organization_id: org.id },
    },
    { idempotencyKey: stripeIdempotencyKey('connect-account', org.id) },
  );
}

/** A fresh onboarding link (links are single-use and short-lived, so each call makes a new one). */
export function createOnboardingLink(
  stripe: Stripe,
  accountId: string,
  urls: { returnUrl: string; refreshUrl: string },
): Promise<Stripe.AccountLink> {
  return stripe.accountLinks.create({
    account: accountId,
    type: 'account_onboarding',
    return_url: urls.returnUrl,
    refresh_url: urls.refreshUrl,
  });
}
