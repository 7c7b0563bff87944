import type { Viewer } from '../accounts/viewer.js';
import type { AuditEntry, AuditLog } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { LicenseRow, LicenseStatus } from '../db/stores/licensing-store.js';

/** Who changed a license: a signed-in user, or the platform acting on a Stripe event. */
export interface LicenseActor {
  audit: AuditLog;
  clock: Clock;
  viewer: Viewer | null;
  /** For system acts (webhooks): what drove the change. */
  source?: string;
  /**
   * Told of each license this actor changes (`license:<id>`), so this process's download gate re-reads it at once
   * rather than when the database's change notification arrives.
   */
  gateChanged?: (row: string) => void;
}

/** The audit action a move into each status is recorded under, unless the caller names another. */
export const ACTION_OF_STATUS: Record<LicenseStatus, string> = {
  PENDING_APPROVAL: 'license.requested',
  PENDING_PAYMENT: 'license.awaiting_payment',
  ACTIVE: 'license.activated',
  PAST_DUE: 'license.past_due',
  SUSPENDED: 'license.suspended',
  EXPIRED: 'license.expired',
  REVOKED: 'license.revoked',
  CANCELED: 'license.canceled',
  REJECTED: 'license.rejected',
};

/** Records one act on a license, visible to both its licensee and its vendor. */
export function auditLicense(
  tx: Stores,
  actor: LicenseActor,
  license: LicenseRow,
  action: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  const entry: AuditEntry = {
    action,
    subjectType: 'License',
    subjectId: license.id,
    licenseId: license.id,
    datasetId: license.datasetId,
    organizationIds: [license.licenseeId, license.vendorId],
    details: { status: license.status, ...(actor.source ? { source: actor.source } : {}), ...details },
    ...(actor.viewer ? {} : { actor: { userId: null, organizationId: null } }),
  };
  return actor.audit.record(tx, actor.viewer, entry);
}
