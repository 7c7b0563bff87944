import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { Stores } from '../db/stores/index.js';
import type { LineageView } from '../offers/lineage-port.js';
import { mergeClaims, type RoyaltyClaim } from './split.js';

/**
 * Who upstream is owed a royalty when this license's payment settles: for every ancestor (via lineage) of the
 * versions the license covers, the ancestor dataset's vendor at the highest royalty any of that dataset's offers
 * asked for (archived offers included: the royalty was agreed when the derivative was made). The selling vendor
 * owes itself nothing. One claim per upstream vendor.
 * @example const claims = await royaltyClaimsFor(stores, lineage, license);
 */
export async function royaltyClaimsFor(stores: Stores, lineage: LineageView, license: LicenseRow): Promise<RoyaltyClaim[]> {
  const versionIds = license.versionIds ?? (await coveredByAll(stores, license.datasetId));
  const ancestorDatasets = new Set<string>();
  for (const versionId of versionIds) {
    for (const a of await lineage.ancestors(versionId)) if (a.datasetId !== license.datasetId) ancestorDatasets.add(a.datasetId);
  }
  if (ancestorDatasets.size === 0) return [];
  const offers = await stores.offers.royaltyOffersOf([...ancestorDatasets]);
  const bestByDataset = new Map<string, { vendorId: string; bps: number }>();
  for (const o of offers) {
    const best = bestByDataset.get(o.datasetId);
    if (!best || o.royaltyBps! > best.bps) bestByDataset.set(o.datasetId, { vendorId: o.vendorId, bps: o.royaltyBps! });
  }
  const claims: RoyaltyClaim[] = [...bestByDataset.entries()]
    .filter(([, b]) => b.vendorId !== license.vendorId)
    .map(([datasetId, b]) => ({ organizationId: b.vendorId, sourceDatasetId: datasetId, basisPoints: b.bps }));
  return mergeClaims(claims);
}

async function coveredByAll(stores: Stores, datasetId: string): Promise<string[]> {
  return stores.catalog.publishedVersionIds(datasetId);
}
