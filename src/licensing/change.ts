import type { Clock } from '../clock.js';
import type { AuditLog } from '../audit/service.js';
import type { Stores } from '../db/stores/index.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import { ConflictError } from '../errors.js';
import { accessRequestDecided, licenseStatusChanged } from '../events/builders.js';
import { emitEvents } from '../events/emit.js';
import { ACTION_OF_STATUS, auditLicense, type LicenseActor } from './audit.js';
import { addDays, addInterval, effectiveStatus } from './status.js';
import { mayBecome } from './transitions.js';

/** The audit actions that decide an access request. */
const DECISION_OF_ACTION: Record<string, 'APPROVED' | 'REJECTED' | undefined> = {
  'license.approved': 'APPROVED',
  'license.rejected': 'REJECTED',
};

/**
 * The one way a license changes: refuses a status change the lifecycle does not allow (CONFLICT on `field`, from the
 * status as read now, so a license past its term is EXPIRED), updates the row and, when the status changes or
 * `action` names the act, records it and emits its events in the same transaction.
 * @example await changeLicense(tx, actor, license, { status: 'CANCELED', canceledAt: now, updatedAt: now });
 */
export async function changeLicense(
  tx: Stores,
  actor: LicenseActor,
  license: LicenseRow,
  patch: Partial<LicenseRow>,
  options: { action?: string; details?: Record<string, unknown>; field?: string } = {},
): Promise<LicenseRow> {
  const from = effectiveStatus(license, actor.clock.now());
  if (patch.status && !mayBecome(from, patch.status)) {
    throw new ConflictError(`The license is ${from} and cannot become ${patch.status}`, {
      field: options.field ?? 'input.id',
      status: from,
    });
  }
  const updated = await tx.licensing.updateLicense(license.id, patch);
  // Before the commit: a read in between caches the old row until the commit's notification drops it again.
  actor.gateChanged?.(`license:${license.id}`);
  if (updated.status !== license.status || options.action) {
    await auditLicense(tx, actor, updated, options.action ?? ACTION_OF_STATUS[updated.status], {
      from: license.status,
      ...options.details,
    });
  }
  const decision = options.action ? DECISION_OF_ACTION[options.action] : undefined;
  await emitEvents(tx, actor.clock, [
    ...(updated.status !== license.status ? [licenseStatusChanged(updated, license.status)] : []),
    ...(decision ? [accessRequestDecided(updated, decision)] : []),
  ]);
  return updated;
}

/**
 * The fields a license takes when it becomes ACTIVE at `now`: its term starts, and without a Stripe subscription to say
 * otherwise, a trial (what Stripe does with trial_period_days) and the first period end are set here.
 * @example await changeLicense(tx, actor, license, activation(license, now, { local: true }));
 */
export function activation(license: LicenseRow, now: Date, options: { local: boolean }): Partial<LicenseRow> {
  const patch: Partial<LicenseRow> = {
    status: 'ACTIVE',
    startsAt: now,
    expiresAt: license.termDays ? addDays(now, license.termDays) : null,
    checkoutUrl: null,
    updatedAt: now,
  };
  if (!options.local) return patch;
  const trialEndsAt = license.trialDays ? addDays(now, license.trialDays) : null;
  return {
    ...patch,
    trialEndsAt,
    currentPeriodEnd: license.pricingModel === 'SUBSCRIPTION' ? (trialEndsAt ?? addInterval(now, license.billingInterval!)) : trialEndsAt,
  };
}

/**
 * Ends every license in force whose term is over (optionally one organization's licenses of one offer), recording
 * each; one statement moves them all, from the statuses the lifecycle lets expire (`IN_FORCE_LICENSE_STATUSES`).
 */
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
