import type { Stores } from '../db/stores/index.js';
import type { LicenseTerms } from '../catalog/terms.js';
import { isOpenForDerivation } from './terms.js';

/** Why a vendor may cite a source: it owns it, the source's terms are open, or it holds a license. */
export type DerivationBasis = 'OWNER' | 'OPEN_TERMS' | 'LICENSE';

export interface DerivationRight {
  basis: DerivationBasis;
  /** The license relied on, for LICENSE. */
  licenseId: string | null;
}

/** A question to the licensing feature: may this organization derive from this source version? */
export interface DerivationLicenseQuery {
  organizationId: string;
  sourceDatasetId: string;
  sourceVersionId: string;
}

/**
 * Where licensing plugs into publish: finds an ACTIVE license held by the organization that covers the source
 * version and permits both derivatives and synthetic generation. Runs inside the publish transaction (`stores`).
 * @example const licenseId = await licenses.activeDerivationLicense(tx, { organizationId, sourceDatasetId, sourceVersionId });
 */
export interface DerivationLicenses {
  activeDerivationLicense(stores: Stores, query: DerivationLicenseQuery): Promise<string | null>;
}

/**
 * Decides whether `organizationId` may cite a source; null when it may not (publish answers FORBIDDEN).
 * Order matters only for what is recorded: ownership, then open terms, then a license.
 */
export async function derivationRight(
  stores: Stores,
  licenses: DerivationLicenses,
  organizationId: string,
  source: { datasetId: string; versionId: string; vendorId: string; terms: LicenseTerms },
): Promise<DerivationRight | null> {
  if (source.vendorId === organizationId) return { basis: 'OWNER', licenseId: null };
  if (isOpenForDerivation(source.terms)) return { basis: 'OPEN_TERMS', licenseId: null };
  const licenseId = await licenses.activeDerivationLicense(stores, {
    organizationId,
    sourceDatasetId: source.datasetId,
    sourceVersionId: source.versionId,
  });
  return licenseId ? { basis: 'LICENSE', licenseId } : null;
}
