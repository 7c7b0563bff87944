import type Stripe from 'stripe';
import type { LicenseRow, LicenseStatus } from '../db/stores/licensing-store.js';
import { mayBecome } from '../licensing/transitions.js';

const fromUnix = (seconds: number | null | undefined) => (seconds == null ? null : new Date(seconds * 1000));

/** What a Stripe subscription's status means for the license it pays for. */
export function licenseStatusOfSubscription(status: Stripe.Subscription.Status): LicenseStatus {
  switch (status) {
    case 'active':
    case 'trialing':
      return 'ACTIVE';
    case 'past_due':
    case 'unpaid':
      return 'PAST_DUE';
    case 'canceled':
    case 'incomplete_expired':
      return 'CANCELED';
    case 'paused':
      return 'SUSPENDED';
    case 'incomplete':
      return 'PENDING_PAYMENT';
    default:
      return 'PENDING_PAYMENT';
  }
}

/**
 * The license fields a subscription's current state decides. Pure: the same subscription always gives the same
 * patch, whatever order the events about it came in.
 */
export function licensePatchFromSubscription(license: LicenseRow, sub: Stripe.Subscription): Partial<LicenseRow> {
  const status = licenseStatusOfSubscription(sub.status);
  const periodEnd = sub.items.data
    .map((i) => i.current_period_end)
    .filter((n) => typeof n === 'number')
    .sort((a, b) => b - a)[0];
  const patch: Partial<LicenseRow> = {
    stripeSubscriptionId: sub.id,
    stripeCustomerId: typeof sub.customer === 'string' ? sub.customer : sub.customer.id,
    currentPeriodEnd: fromUnix(periodEnd),
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    startsAt: license.startsAt ?? fromUnix(sub.start_date),
    ...(sub.trial_end ? { trialEndsAt: fromUnix(sub.trial_end) } : {}),
  };
  // Stripe never decides an access request, and never takes a license where its lifecycle does not go.
  if (license.status === 'PENDING_APPROVAL' || !mayBecome(license.status, status)) return patch;
  patch.status = status;
  if (status === 'CANCELED') patch.canceledAt = license.canceledAt ?? fromUnix(sub.ended_at ?? sub.canceled_at);
  return patch;
}

/** A Connect account's capability flags, as the payout account keeps them. */
export function payoutFlagsFromAccount(account: Stripe.Account) {
  return {
    chargesEnabled: account.charges_enabled ?? false,
    payoutsEnabled: account.payouts_enabled ?? false,
    detailsSubmitted: account.details_submitted ?? false,
  };
}

/** The license id we put in metadata of every Stripe object we create for one. */
export function licenseIdOf(object: { metadata?: Stripe.Metadata | null; client_reference_id?: string | null }): string | undefined {
  const id = object.metadata?.license_id ?? object.client_reference_id ?? undefined;
  return id && /^lic_[0-9a-z]{26}$/.test(id) ? id : undefined;
}

/** The subscription an invoice bills, in the API's current shape (`parent.subscription_details`). */
export function subscriptionIdOfInvoice(invoice: Stripe.Invoice): string | undefined {
  const sub = invoice.parent?.subscription_details?.subscription;
  if (!sub) return undefined;
  return typeof sub === 'string' ? sub : sub.id;
}
