/** Usage is rolled up per license into hourly windows [start, start + 1 h) in UTC. */
export const WINDOW_MS = 3_600_000;
/** Stripe accepts meter events timestamped at most 35 days back. */
export const STRIPE_BACKDATE_LIMIT_MS = 35 * 86_400_000;
/** Margin kept inside Stripe's bound, so a send that starts just in time is not refused on arrival. */
const BACKDATE_SAFETY_MS = WINDOW_MS;

export type UsageUnit = 'GIGABYTE' | 'THOUSAND_ROWS' | 'REQUEST';
export interface UsageTotals {
  bytes: number;
  rows: number;
  requests: number;
}

/** The start of the UTC hour containing `at`. */
export function windowStartOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / WINDOW_MS) * WINDOW_MS);
}

/**
 * Windows starting before this instant are closed and past their grace period, so they may be rolled up.
 * @example closedBefore(new Date('2026-11-25T10:03:00Z'), 5 * 60_000) // 2026-11-25T09:00:00Z: 09:00-10:00 waits until 10:05
 */
export function closedBefore(now: Date, graceMs: number): Date {
  return windowStartOf(new Date(now.getTime() - graceMs));
}

/**
 * The meter event identifier of one report: license, window (UTC, to the hour) and sequence, so a retry of the same
 * report always carries the same identifier and Stripe counts it once. At most 100 characters, as Stripe requires.
 * @example reportIdentifier('lic_01…', new Date('2026-11-25T09:00:00Z'), 1) // 'assay_lic_01…_2026112509_1'
 */
export function reportIdentifier(licenseId: string, windowStart: Date, sequence: number): string {
  const hour = windowStart.toISOString().slice(0, 13).replace(/[-T]/g, '');
  return `assay_${licenseId}_${hour}_${sequence}`;
}

/** Decimal places of each unit over its raw measure: GIGABYTE = bytes / 10^9, THOUSAND_ROWS = rows / 10^3, REQUEST = responses. */
const SCALE: Record<UsageUnit, number> = { GIGABYTE: 9, THOUSAND_ROWS: 3, REQUEST: 0 };

/**
 * Usage in the offer's unit, the one place it is computed: `base` is the raw measure the unit counts (bytes, rows or
 * responses), an integer that caps compare exactly; `value` the exact decimal string sent to a meter; `quantity` the
 * same as a number, for display.
 * @example unitsOf('GIGABYTE', { bytes: 1_500_000_000, rows: 0, requests: 3 }) // { base: 1500000000, value: '1.5', quantity: 1.5 }
 */
export function unitsOf(unit: UsageUnit, usage: UsageTotals): { base: number; value: string; quantity: number } {
  const base = Math.round(unit === 'GIGABYTE' ? usage.bytes : unit === 'THOUSAND_ROWS' ? usage.rows : usage.requests);
  const value = decimal(base, SCALE[unit]);
  return { base, value, quantity: Number(value) };
}

/** An amount in the unit (a cap, a threshold) as its raw measure, to compare with `unitsOf(...).base` in integers. */
export function baseOf(unit: UsageUnit, amount: number): number {
  return Math.round(amount * 10 ** SCALE[unit]);
}

/** A difference of raw measures back in the unit, exactly (what is left under a cap). */
export function unitsFromBase(unit: UsageUnit, base: number): number {
  return Number(decimal(base, SCALE[unit]));
}

/** `n / 10^scale` written out exactly, trailing zeros trimmed. */
function decimal(n: number, scale: number): string {
  if (scale === 0) return String(Math.round(n));
  const digits = BigInt(Math.round(n))
    .toString()
    .padStart(scale + 1, '0');
  const whole = digits.slice(0, -scale);
  const frac = digits.slice(-scale).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

/** True when a window is too old for Stripe to accept a meter event dated at its start. */
export function beyondBackdateLimit(windowStart: Date, now: Date): boolean {
  return now.getTime() - windowStart.getTime() > STRIPE_BACKDATE_LIMIT_MS - BACKDATE_SAFETY_MS;
}

/**
 * Delay before retry number `attempt` (1-based): exponential from `baseMs`, capped at `maxMs`, with jitter (half fixed, half random) so many
 * reports failing together do not retry in lockstep.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
