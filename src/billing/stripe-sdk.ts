import { createRequire } from 'node:module';
import type Stripe from 'stripe';

let sdk: typeof Stripe | undefined;

/**
 * The Stripe SDK, loaded on first use: it is large (some 220 modules, about 35 MB resident), and a server in local
 * billing mode (no Stripe keys) never needs it. Loaded with `require` so the clients stay synchronous to build.
 * @example const stripe = new (stripeSdk())(secretKey, options);
 */
export function stripeSdk(): typeof Stripe {
  return (sdk ??= createRequire(import.meta.url)('stripe') as typeof Stripe);
}

/** Whether `err` is one of the SDK's errors; none can exist before the SDK is loaded. */
export function isStripeError(err: unknown): err is Stripe.errors.StripeError {
  return sdk !== undefined && err instanceof sdk.errors.StripeError;
}

/** Whether `err` is the SDK's rate-limit error (Stripe answered 429). */
export function isStripeRateLimit(err: unknown): err is Stripe.errors.StripeRateLimitError {
  return sdk !== undefined && err instanceof sdk.errors.StripeRateLimitError;
}
