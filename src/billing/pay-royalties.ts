import type Stripe from 'stripe';
import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import { stripeIdempotencyKey } from './stripe-client.js';

/**
 * Pays due royalties as separate Connect transfers (from the settled charge when known, grouped by license), each
 * with an idempotency key derived from its ledger entry so a retry never pays twice. Failures stay pending and are
 * retried by the next webhook.
 * @example await payPendingRoyalties(stores, stripe, clock);
 */
export async function payPendingRoyalties(stores: Stores, stripe: Stripe, clock: Clock, log?: (err: unknown) => void): Promise<number> {
  let paid = 0;
  for (const entry of await stores.billing.pendingTransfers(50)) {
    const payment = await stores.billing.paymentById(entry.paymentId);
    const account = entry.organizationId ? await stores.billing.payoutAccount(entry.organizationId) : undefined;
    if (!payment || !account?.stripeAccountId || entry.amountCents === 0) continue;
    try {
      const transfer = await stripe.transfers.create(
        {
          amount: entry.amountCents,
          currency: entry.currency,
          destination: account.stripeAccountId,
          transfer_group: payment.transferGroup,
          ...(payment.stripeChargeId ? { source_transaction: payment.stripeChargeId } : {}),
          metadata: { ledger_entry_id: entry.id, payment_id: payment.id, kind: 'royalty' },
        },
        { idempotencyKey: stripeIdempotencyKey('royalty-transfer', entry.id) },
      );
      await stores.billing.markTransferred(entry.id, transfer.id, clock.now());
      paid++;
    } catch (err) {
      log?.(err);
    }
  }
  return paid;
}
