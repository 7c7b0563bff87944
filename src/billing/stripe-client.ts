import Stripe from 'stripe';
import type { Config } from '../config.js';

/** Signature tolerance for webhooks, in seconds: older signed payloads are refused as replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * The Stripe SDK client for the configured keys, or null in local billing mode. `STRIPE_API_URL` (tests point it at a
 * local fake) is split into the SDK's host, port and protocol.
 * @example const stripe = createStripeClient(config.stripe); // null without STRIPE_SECRET_KEY
 */
export function createStripeClient(settings: Config['stripe']): Stripe | null {
  if (!settings) return null;
  const options: ConstructorParameters<typeof Stripe>[1] = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false };
  if (settings.apiUrl) {
    const url = new URL(settings.apiUrl);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    options.host = url.hostname;
    options.port = url.port || (protocol === 'http' ? 80 : 443);
    options.protocol = protocol;
  }
  return new Stripe(settings.secretKey, options);
}

/** A Stripe idempotency key for one create call, derived from the record it serves (so retries reuse it). */
export function stripeIdempotencyKey(operation: string, ...ids: string[]): string {
  return `assay:${operation}:${ids.join(':')}`.slice(0, 255);
}
