import type { DatasetRow, DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { NewEvent } from './types.js';

/**
 * The events each kind of change writes: who is told and what they are told. One builder per business change, so
 * every service writes the same shape; `data` carries IDs a receiver can look up, never secrets.
 */

/** A new version: its vendor, and every organization licensing the dataset now. */
export function versionPublished(dataset: DatasetRow, version: DatasetVersionRow, licenseeIds: string[]): NewEvent {
  return {
    type: 'version.published',
    organizationIds: [dataset.vendorId, ...licenseeIds],
    data: { datasetId: dataset.id, versionId: version.id, version: version.version },
  };
}

/** A retraction: its vendor, and every licensee of the version and of every version descending from it. */
export function versionRetracted(
  dataset: DatasetRow,
  version: DatasetVersionRow,
  reason: string,
  affectedLicenseeIds: string[],
  descendants: number,
): NewEvent {
  return {
    type: 'version.retracted',
    organizationIds: [dataset.vendorId, ...affectedLicenseeIds],
    data: { datasetId: dataset.id, versionId: version.id, version: version.version, reason, descendants },
  };
}

/** A listing suspended or reinstated by the platform: its vendor and its current licensees. */
export function datasetStatusChanged(
  type: 'dataset.suspended' | 'dataset.reinstated',
  dataset: DatasetRow,
  licenseeIds: string[],
  reason: string | null,
): NewEvent {
  return { type, organizationIds: [dataset.vendorId, ...licenseeIds], data: { datasetId: dataset.id, status: dataset.status, reason } };
}

const licenseData = (license: LicenseRow) => ({
  licenseId: license.id,
  offerId: license.offerId,
  datasetId: license.datasetId,
  licenseeId: license.licenseeId,
  vendorId: license.vendorId,
  status: license.status,
});

/** Any license status transition: its licensee and its vendor (`from` is null where it was not read, on expiry). */
export function licenseStatusChanged(license: LicenseRow, from: string | null): NewEvent {
  return {
    type: 'license.status_changed',
    organizationIds: [license.licenseeId, license.vendorId],
    data: { ...licenseData(license), from },
  };
}

/** A buyer asked for access under an offer that needs the vendor's approval. */
export function accessRequestCreated(license: LicenseRow): NewEvent {
  return { type: 'access_request.created', organizationIds: [license.vendorId, license.licenseeId], data: licenseData(license) };
}

/** The vendor approved or rejected an access request (with the reason the buyer sees). */
export function accessRequestDecided(license: LicenseRow, decision: 'APPROVED' | 'REJECTED'): NewEvent {
  return {
    type: 'access_request.decided',
    organizationIds: [license.licenseeId, license.vendorId],
    data: { ...licenseData(license), decision, reason: license.rejectionReason ?? null },
  };
}

/** Usage this period passed 80% of the cap (`usage.cap_warning`) or reached it (`usage.cap_reached`): the licensee. */
export function usageCapCrossed(
  license: LicenseRow,
  type: 'usage.cap_warning' | 'usage.cap_reached',
  used: number,
  periodStart: Date,
): NewEvent {
  return {
    type,
    organizationIds: [license.licenseeId],
    data: { ...licenseData(license), unit: license.usageUnit, used, usageCap: license.usageCap, periodStart: periodStart.toISOString() },
  };
}

/** A trial ends within three days: the buyer (who is charged then) and the vendor. */
export function trialEnding(license: LicenseRow): NewEvent {
  return {
    type: 'trial.ending',
    organizationIds: [license.licenseeId, license.vendorId],
    data: { ...licenseData(license), trialEndsAt: license.trialEndsAt?.toISOString() ?? null },
  };
}
