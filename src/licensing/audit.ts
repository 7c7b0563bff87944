import type { Viewer } from '../accounts/viewer.js';
import type { AuditEntry, AuditLog } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import { accessRequestDecided, licenseStatusChanged } from '../events/builders.js';
import { emitEvents } from '../events/emit.js';
import type { LicenseRow, LicenseStatus } from '../db/stores/licensing-store.js';

/** Who changed a license: a signed-in user, or the platform acting on a Stripe event. */
export interface LicenseActor {
  audit: AuditLog;
  clock: Clock;
  viewer: Viewer | null;
  /** For system acts (webhooks): what drove the change. */
  source?: string;
}

const ACTION_OF_STATUS: Record<LicenseStatus, string> = {
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

/** The audit actions that decide an access request. */
const DECISION_OF_ACTION: Record<string, 'APPROVED' | 'REJECTED' | undefined> = {
  'license.approved': 'APPROVED',
  'license.rejected': 'REJECTED',
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

/**
 * Updates a license and, when its status changes, records the transition in the same transaction; `action`
 * overrides the default name (a rejection is `license.rejected`, not just `license.canceled`).
 */
export async function changeLicense(
  tx: Stores,
  actor: LicenseActor,
  license: LicenseRow,
  patch: Partial<LicenseRow>,
  options: { action?: string; details?: Record<string, unknown> } = {},
): Promise<LicenseRow> {
  const updated = await tx.licensing.updateLicense(license.id, patch);
  if (updated.status !== license.status || options.action) {
    await auditLicense(tx, actor, updated, options.action ?? ACTION_OF_STATUS[updated.status], {
      from: license.status,
      ...options.details,
    });
  }
  const events = [
    ...(updated.status !== license.status ? [licenseStatusChanged(updated, license.status)] : []),
    ...(DECISION_OF_ACTION[options.action ?? ''] ? [accessRequestDecided(updated, DECISION_OF_ACTION[options.action!]!)] : []),
  ];
  await emitEvents(tx, actor.clock, events);
  return updated;
}

/** Ends every license whose term is over (optionally one organization's licenses of one offer), recording each. */
export async function expireDueLicenses(
  tx: Stores,
  audit: AuditLog,
  clock: Clock,
  only?: { licenseeId: string; offerId: string },
): Promise<number> {
  const expired = await tx.licensing.expireDue(clock.now(), only);
  for (const license of expired) {
    await auditLicense(tx, { audit, clock, viewer: null, source: 'term' }, license, 'license.expired', {
      expiresAt: license.expiresAt?.toISOString() ?? null,
    });
  }
  await emitEvents(
    tx,
    clock,
    expired.map((license) => licenseStatusChanged(license, null)),
  );
  return expired.length;
}
