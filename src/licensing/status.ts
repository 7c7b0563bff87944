import type { LicenseRow, LicenseStatus } from '../db/stores/licensing-store.js';
import { IN_FORCE_LICENSE_STATUSES } from './transitions.js';

/**
 * A license's status as of `now`: an ACTIVE or PAST_DUE license whose term has ended reads EXPIRED even before a
 * sweep writes it, so no reader ever sees an expired license as usable.
 * @example effectiveStatus(license, clock.now()) // 'EXPIRED'
 */
export function effectiveStatus(license: Pick<LicenseRow, 'status' | 'expiresAt'>, now: Date): LicenseStatus {
  if (IN_FORCE_LICENSE_STATUSES.includes(license.status) && license.expiresAt && license.expiresAt.getTime() <= now.getTime()) {
    return 'EXPIRED';
  }
  return license.status;
}

/** How long an access request has waited (until now, or until it was decided), in whole seconds. */
export function waitingSeconds(license: Pick<LicenseRow, 'requestedAt' | 'decidedAt' | 'status'>, now: Date): number | null {
  if (license.status !== 'PENDING_APPROVAL' && !license.decidedAt) return null;
  const end = license.decidedAt ?? now;
  return Math.max(0, Math.floor((end.getTime() - license.requestedAt.getTime()) / 1000));
}

/** The moment a term of `days` starting at `from` ends. */
export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * 86_400_000);
}

/** One billing period later (calendar month or year, in UTC). */
export function addInterval(from: Date, interval: 'MONTHLY' | 'YEARLY'): Date {
  const d = new Date(from);
  if (interval === 'YEARLY') d.setUTCFullYear(d.getUTCFullYear() + 1);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}
