import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { DerivationLicenses } from '../lineage/rights.js';

/**
 * Licensing's answer to lineage's question at publish: the newest ACTIVE, unexpired license the organization holds
 * that covers the source version and permits both derivatives and synthetic generation.
 * @example new CatalogService(stores, clock, derivationLicenses(clock))
 */
export function derivationLicenses(clock: Clock): DerivationLicenses {
  return {
    async activeDerivationLicense(stores: Stores, q) {
      const rows = await stores.licensing.activeLicenseCovering(q.organizationId, q.sourceDatasetId, q.sourceVersionId, clock.now());
      return rows.find((l) => l.derivatives && l.syntheticGeneration)?.id ?? null;
    },
  };
}
