import type Stripe from 'stripe';
import type { Config } from '../config.js';
import { stripeSdk } from './stripe-sdk.js';

/** The billing client's per-request timeout and retries (the SDK retries 5xx, 429 and network errors with the same key). */
const TIMEOUT_MS = 20_000;
const NETWORK_RETRIES = 2;

/**
 * How long a claim on Stripe work (opening a license's payment) lasts: longer than the calls it covers normally take
 * with their retries, short enough that work a crashed process claimed is picked up again within minutes.
 */
export const STRIPE_CLAIM_MS = 2 * 60_000;

/** Signature tolerance for webhooks, in seconds: older signed payloads are refused as replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * The Stripe SDK client for the configured keys, or null in local billing mode. `STRIPE_API_URL` (tests point it at a
 * local fake) is split into the SDK's host, port and protocol.
 * @example const stripe = createStripeClient(config.stripe); // null without STRIPE_SECRET_KEY
 */
export function createStripeClient(settings: Config['stripe']): Stripe | null {
  if (!settings) return null;
  const options: ConstructorParameters<typeof Stripe>[1] = { maxNetworkRetries: NETWORK_RETRIES, timeout: TIMEOUT_MS, telemetry: false };
  if (settings.apiUrl) {
    const url = new URL(settings.apiUrl);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    options.host = url.hostname;
    options.port = url.port || (protocol === 'http' ? 80 : 443);
    options.protocol = protocol;
  }
  return new (stripeSdk())(settings.secretKey, options);
}

/** A Stripe idempotency key for one create call, derived from the record it serves (so retries reuse it). */
export function stripeIdempotencyKey(operation: string, ...ids: string[]): string {
  return `assay:${operation}:${ids.join(':')}`.slice(0, 255);
}
