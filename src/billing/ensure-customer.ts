import type Stripe from 'stripe';
import type { Clock } from '../clock.js';
import type { OrganizationRow } from '../db/stores/accounts-store.js';
import type { Stores } from '../db/stores/index.js';
import { stripeIdempotencyKey } from './stripe-client.js';

/**
 * The buyer organization's Stripe customer, created once: concurrent first purchases send the same idempotency key,
 * so Stripe answers them all with one customer, and the row insert keeps the first.
 */
export async function ensureStripeCustomer(stores: Stores, stripe: Stripe, clock: Clock, org: OrganizationRow): Promise<string> {
  const existing = await stores.billing.stripeCustomerOf(org.id);
  if (existing) return existing;
  const customer = await stripe.customers.create(
    { name: org.name, metadata: { organization_id: org.id } },
    { idempotencyKey: stripeIdempotencyKey('customer', org.id) },
  );
  return stores.billing.insertStripeCustomer(org.id, customer.id, clock.now());
}
