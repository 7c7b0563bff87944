import type { Stores } from '../db/stores/index.js';
import type { LicenseTerms } from '../catalog/terms.js';

/** What offers and royalties need from lineage; `lineageFor` below is the lineage feature's answer. */
export interface LineageView {
  /** The most restrictive terms over the version's ancestry (its own dataset included), when lineage knows them. */
  inheritedTerms(versionId: string): Promise<LicenseTerms | undefined>;
  /** Every ancestor version of `versionId` (not itself), with its dataset. */
  ancestors(versionId: string): Promise<{ versionId: string; datasetId: string }[]>;
}

/** Far enough for any real ancestry; the closure table answers it in one indexed query. */
const MAX_ANCESTRY = { maxDepth: 1000, limit: 10_000 };

/**
 * The lineage feature's view over these stores: inherited terms from the version's lineage summary (fixed at
 * publish), ancestors from the lineage closure.
 */
export function lineageFor(stores: Stores): LineageView {
  return {
    async inheritedTerms(versionId) {
      return (await stores.lineage.summaryByVersionId.load(versionId))?.inheritedTerms ?? undefined;
    },
    async ancestors(versionId) {
      const links = await stores.lineage.ancestors.load({ versionId, ...MAX_ANCESTRY });
      const versions = await stores.catalog.versionById.loadMany(links.map((l) => l.versionId));
      return versions.flatMap((v) => (v && !(v instanceof Error) ? [{ versionId: v.id, datasetId: v.datasetId }] : []));
    },
  };
}
