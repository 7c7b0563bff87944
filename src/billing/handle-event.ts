import type Stripe from 'stripe';
import type { Stores } from '../db/stores/index.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { LineageView } from '../offers/lineage-port.js';
import type { AuditLog } from '../audit/service.js';
import type { LicenseActor } from '../licensing/audit.js';
import { activation, changeLicense } from '../licensing/change.js';
import { effectiveStatus } from '../licensing/status.js';
import { ENDED_LICENSE_STATUSES } from '../licensing/transitions.js';
import { licenseIdOf, licensePatchFromSubscription, payoutFlagsFromAccount, subscriptionIdOfInvoice } from './mappers.js';
import { settlePayment } from './settle-payment.js';

/** A state change to apply, decided from Stripe's current objects, to run in the event's transaction. */
export type EventEffect = (tx: Stores, now: Date) => Promise<void>;

export interface EventDeps {
  stripe: Stripe;
  lineage: LineageView;
  platformFeeBps: number;
  audit: AuditLog;
}

const idOf = (x: string | { id: string } | null | undefined) => (x == null ? undefined : typeof x === 'string' ? x : x.id);

/**
 * Decides what an event means by re-reading the object it is about from Stripe (never trusting the event's own,
 * possibly stale, snapshot), so events arriving late, twice or out of order all lead to the same state.
 * Returns undefined for event types we do not act on.
 */
export async function effectOfEvent(deps: EventDeps, event: Stripe.Event): Promise<EventEffect | undefined> {
  const { stripe } = deps;
  const object = event.data.object as { id?: string };
  const type = event.type as string;
  if (type.startsWith('checkout.session.')) {
    const session = await stripe.checkout.sessions.retrieve(object.id!, { expand: ['payment_intent'] });
    const sub =
      session.mode === 'subscription' && session.subscription
        ? await stripe.subscriptions.retrieve(idOf(session.subscription)!)
        : undefined;
    return async (tx, now) => {
      const license = await licenseFor(tx, licenseIdOf(session));
      if (!license) return;
      if (sub) {
        await applySubscription(tx, stripeActor(deps.audit, now), license, sub, now);
        return;
      }
      if (session.mode !== 'payment') return;
      if (session.payment_status === 'paid') {
        const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
        const active =
          license.status === 'PENDING_PAYMENT'
            ? await changeLicense(tx, stripeActor(deps.audit, now), license, activation(license, now, { local: false }))
            : license;
        await settlePayment(tx, deps.lineage, deps.platformFeeBps, active, {
          id: idOf(session.payment_intent) ?? session.id,
          amountCents: session.amount_total ?? license.amountCents ?? 0,
          currency: session.currency ?? license.currency!,
          mode: 'STRIPE',
          stripeChargeId: idOf(intent?.latest_charge) ?? null,
          settledAt: now,
        });
      } else if (session.status === 'expired' && license.status === 'PENDING_PAYMENT') {
        await changeLicense(tx, stripeActor(deps.audit, now), license, {
          status: 'CANCELED',
          canceledAt: now,
          checkoutUrl: null,
          updatedAt: now,
        });
      }
    };
  }
  if (type.startsWith('invoice.')) {
    const invoice = await stripe.invoices.retrieve(object.id!);
    const subId = subscriptionIdOfInvoice(invoice);
    if (!subId) return undefined;
    const sub = await stripe.subscriptions.retrieve(subId);
    return async (tx, now) => {
      const license = (await licenseFor(tx, licenseIdOf(sub))) ?? (await tx.licensing.licenseBySubscription(sub.id));
      if (!license) return;
      const updated = await applySubscription(tx, stripeActor(deps.audit, now), license, sub, now);
      if (invoice.status === 'paid' && invoice.amount_paid > 0) {
        await settlePayment(tx, deps.lineage, deps.platformFeeBps, updated, {
          id: invoice.id!,
          amountCents: invoice.amount_paid,
          currency: invoice.currency,
          mode: 'STRIPE',
          stripeChargeId: null,
          settledAt: now,
        });
      }
    };
  }
  if (type.startsWith('customer.subscription.')) {
    const sub = await stripe.subscriptions.retrieve(object.id!);
    return async (tx, now) => {
      const license = (await licenseFor(tx, licenseIdOf(sub))) ?? (await tx.licensing.licenseBySubscription(sub.id));
      if (license) await applySubscription(tx, stripeActor(deps.audit, now), license, sub, now);
    };
  }
  if (type === 'account.updated') {
    const account = await stripe.accounts.retrieve(object.id!);
    return async (tx, now) => {
      const row = await tx.billing.payoutAccountByStripeId(account.id);
      if (!row) return;
      const flags = payoutFlagsFromAccount(account);
      await tx.billing.updatePayoutAccount(row.organizationId, { ...flags, updatedAt: now });
      // Royalties that accumulated while the vendor had no way to be paid are now transferred.
      if (flags.payoutsEnabled) await tx.billing.releaseBalances(row.organizationId, now);
    };
  }
  return undefined;
}

async function licenseFor(tx: Stores, id: string | undefined): Promise<LicenseRow | undefined> {
  return id ? tx.licensing.lockLicense(id) : undefined;
}

/** License changes driven by Stripe are the platform's acts, recorded with their source. */
function stripeActor(audit: AuditLog, now: Date): LicenseActor {
  return { audit, clock: { now: () => now }, viewer: null, source: 'stripe' };
}

async function applySubscription(
  tx: Stores,
  actor: LicenseActor,
  license: LicenseRow,
  sub: Stripe.Subscription,
  now: Date,
): Promise<LicenseRow> {
  if (ENDED_LICENSE_STATUSES.includes(effectiveStatus(license, now))) return license;
  const patch = licensePatchFromSubscription(license, sub);
  return changeLicense(tx, actor, license, {
    ...patch,
    ...(patch.status && patch.status !== 'PENDING_PAYMENT' ? { checkoutUrl: null } : {}),
    updatedAt: now,
  });
}
