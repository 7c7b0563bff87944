import type Stripe from 'stripe';
import type { Config } from '../config.js';
import type { Stores } from '../db/stores/index.js';
import type { ClaimedReport } from '../db/stores/metering-store.js';
import { stripeSdk } from '../billing/stripe-sdk.js';
import { beyondBackdateLimit } from './windows.js';

/** What became of one attempt to send a report. */
export type SendOutcome =
  | { kind: 'SENT' }
  /** Worth trying again later (5xx, 429, timeout, network): the report stays PENDING with backoff. */
  | { kind: 'RETRY'; error: string }
  /** Refused for good (the request itself is wrong); surfaced in reconciliation. */
  | { kind: 'FAILED'; error: string }
  | { kind: 'TOO_OLD'; error: string };

/** Sends one claimed report to a meter, with no transaction open (the worker records the outcome afterwards). */
export interface MeterSender {
  send(report: ClaimedReport, now: Date): Promise<SendOutcome>;
}

/**
 * Local billing mode's meter: records the event in `local_meter_events`, keyed by the report's identifier like Stripe's
 * meter, so a resend after a crash counts once.
 */
export class LocalMeterSender implements MeterSender {
  constructor(private readonly stores: Stores) {}

  async send(report: ClaimedReport, now: Date): Promise<SendOutcome> {
    await this.stores.metering.recordLocalMeterEvent({
      identifier: report.identifier,
      eventName: report.eventName,
      licenseId: report.licenseId,
      organizationId: report.licenseeId,
      value: report.value,
      quantity: report.quantity,
      eventAt: report.windowStart,
      recordedAt: now,
    });
    return { kind: 'SENT' };
  }
}

/**
 * Stripe Billing Meters: `billing.meterEvents.create` with the report's identifier (and the same idempotency key), so a
 * resend after a crash or a lost response is counted once by Stripe. The SDK's own retries are off: the outbox retries
 * with backoff instead, so a long outage never ties up a sender.
 */
export class StripeMeterSender implements MeterSender {
  constructor(private readonly stripe: Stripe) {}

  async send(report: ClaimedReport, now: Date): Promise<SendOutcome> {
    if (beyondBackdateLimit(report.windowStart, now))
      return { kind: 'TOO_OLD', error: 'The window is older than Stripe accepts meter events for (35 days)' };
    if (!report.stripeCustomerId) return { kind: 'FAILED', error: 'The license has no Stripe customer to bill' };
    try {
      await this.stripe.billing.meterEvents.create(
        {
          event_name: report.eventName,
          payload: { stripe_customer_id: report.stripeCustomerId, value: report.value },
          identifier: report.identifier,
          timestamp: Math.floor(report.windowStart.getTime() / 1000),
        },
        { idempotencyKey: report.identifier },
      );
      return { kind: 'SENT' };
    } catch (err) {
      return stripeOutcome(err);
    }
  }
}

/** Classifies a Stripe SDK error: transient (retry later) or final. A duplicate identifier means it was recorded before. */
export function stripeOutcome(err: unknown): SendOutcome {
  const e = err as { type?: string; statusCode?: number; code?: string; message?: string };
  const error = `${e.type ?? 'Error'}${e.statusCode ? ` ${e.statusCode}` : ''}: ${e.message ?? String(err)}`.slice(0, 500);
  if (e.statusCode === 400 && (e.code === 'resource_already_exists' || /identifier.*already/i.test(e.message ?? '')))
    return { kind: 'SENT' };
  if (
    e.statusCode === undefined ||
    e.statusCode === 429 ||
    e.statusCode === 409 ||
    e.statusCode >= 500 ||
    e.type === 'StripeConnectionError'
  ) {
    return { kind: 'RETRY', error };
  }
  return { kind: 'FAILED', error };
}

/**
 * The Stripe client used for meter events: no SDK retries (the outbox retries) and a short timeout. `STRIPE_API_URL`
 * points it elsewhere, as for the billing client.
 */
export function createMeterStripeClient(settings: NonNullable<Config['stripe']>, timeoutMs: number): Stripe {
  const options: ConstructorParameters<typeof Stripe>[1] = { maxNetworkRetries: 0, timeout: timeoutMs, telemetry: false };
  if (settings.apiUrl) {
    const url = new URL(settings.apiUrl);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    options.host = url.hostname;
    options.port = url.port || (protocol === 'http' ? 80 : 443);
    options.protocol = protocol;
  }
  return new (stripeSdk())(settings.secretKey, options);
}

/** Picks the meter by the license's billing mode; Stripe licenses wait (retrying) while the server has no Stripe keys. */
export function senderFor(
  stripe: MeterSender | null,
  local: MeterSender,
): (report: ClaimedReport) => MeterSender | { unavailable: string } {
  return (report) => {
    if (report.billingMode === 'LOCAL') return local;
    return stripe ?? { unavailable: 'The license bills through Stripe but the server has no Stripe keys' };
  };
}
