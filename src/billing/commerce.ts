import type Stripe from 'stripe';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Stores } from '../db/stores/index.js';
import { LicensingService } from '../licensing/service.js';
import { lineageFor } from '../offers/lineage-port.js';
import { OffersService } from '../offers/service.js';
import { BillingService } from './service.js';

export interface CommerceDeps {
  /** Null in local billing mode. */
  stripe: Stripe | null;
  config: Pick<Config, 'stripe' | 'platformFeeBps'>;
  log: (err: unknown, message: string) => void;
}

/**
 * The offers, licensing and billing services for one request (or one seed run), sharing the same stores.
 * @example const { offers, licensing, billing } = commerceServices(stores, clock, { stripe, config, log });
 */
export function commerceServices(stores: Stores, clock: Clock, deps: CommerceDeps) {
  const lineage = lineageFor(stores);
  const offers = new OffersService(stores, clock, lineage);
  const licensing = new LicensingService(stores, clock, {
    stripe: deps.stripe,
    platformFeeBps: deps.config.platformFeeBps,
    lineage,
    log: deps.log,
  });
  const billing = new BillingService(stores, clock, deps.stripe, {
    stripe: deps.config.stripe,
    platformFeeBps: deps.config.platformFeeBps,
    lineage,
    log: deps.log,
  });
  return { offers, licensing, billing };
}
