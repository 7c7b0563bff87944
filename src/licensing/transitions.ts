/** Every status a license can be in (the `license_status` enum is built from this list). */
export const LICENSE_STATUSES = [
  'PENDING_APPROVAL',
  'PENDING_PAYMENT',
  'ACTIVE',
  'PAST_DUE',
  'SUSPENDED',
  'EXPIRED',
  'REVOKED',
  'CANCELED',
  // A vendor turned the access request down (decidedAt, rejectionReason).
  'REJECTED',
] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];

/**
 * The license lifecycle: from each status, the statuses a license may move to. `changeLicense` refuses anything else
 * (CONFLICT), so a webhook, a job or a mutation cannot take a license where the lifecycle does not go.
 * @example LICENSE_TRANSITIONS.EXPIRED // ['REVOKED']
 */
export const LICENSE_TRANSITIONS: Readonly<Record<LicenseStatus, readonly LicenseStatus[]>> = {
  PENDING_APPROVAL: ['PENDING_PAYMENT', 'ACTIVE', 'REJECTED', 'CANCELED', 'REVOKED'],
  PENDING_PAYMENT: ['ACTIVE', 'PAST_DUE', 'CANCELED', 'REVOKED'],
  ACTIVE: ['PAST_DUE', 'SUSPENDED', 'EXPIRED', 'CANCELED', 'REVOKED'],
  PAST_DUE: ['ACTIVE', 'SUSPENDED', 'EXPIRED', 'CANCELED', 'REVOKED'],
  SUSPENDED: ['ACTIVE', 'PAST_DUE', 'CANCELED', 'REVOKED'],
  EXPIRED: ['REVOKED'],
  CANCELED: ['REVOKED'],
  REJECTED: [],
  REVOKED: [],
};

/** Whether the lifecycle lets a license in `from` become `to` (staying put is always allowed). */
export function mayBecome(from: LicenseStatus, to: LicenseStatus): boolean {
  return from === to || LICENSE_TRANSITIONS[from].includes(to);
}

/** Statuses in which a license is live: an organization holds at most one per offer, and its buyer may cancel it. */
export const LIVE_LICENSE_STATUSES = [
  'PENDING_APPROVAL',
  'PENDING_PAYMENT',
  'ACTIVE',
  'PAST_DUE',
] as const satisfies readonly LicenseStatus[];

/** Statuses of a license in force: its term runs (it may expire) and its licensee hears about the dataset. */
export const IN_FORCE_LICENSE_STATUSES = LICENSE_STATUSES.filter((s) => LICENSE_TRANSITIONS[s].includes('EXPIRED'));

/** Statuses a license never leaves except to be revoked: no Stripe event moves a license out of them. */
export const ENDED_LICENSE_STATUSES = LICENSE_STATUSES.filter((s) => LICENSE_TRANSITIONS[s].every((to) => to === 'REVOKED'));

/** A status list as SQL literals, for the partial indexes and raw statements that must agree with the sets above. */
export function statusList(statuses: readonly LicenseStatus[]): string {
  return statuses.map((s) => `'${s}'`).join(', ');
}
