import type { DatasetRow } from '../db/stores/catalog-store.js';
import type { OfferRow } from '../db/stores/offers-store.js';
import { termsOf } from '../catalog/terms.js';
import type { InputArgs, Resolver } from './types.js';

export const offersResolvers = {
  Dataset: {
    offers: ((d, _a, ctx) => ctx.offers.offersOf(ctx.viewer, d)) as Resolver<DatasetRow>,
  },
  Offer: {
    dataset: ((o, _a, ctx) => ctx.stores.catalog.datasetById.load(o.datasetId)) as Resolver<OfferRow>,
    terms: ((o) => termsOf(o)) as Resolver<OfferRow>,
    questions: ((o) => o.accessQuestions) as Resolver<OfferRow>,
    // Named buyers never learn who else was offered the same terms.
    visibleTo: ((o, _a, ctx) => (ctx.viewer.canRead(o.vendorId) ? o.visibleTo : [])) as Resolver<OfferRow>,
    private: ((o) => o.visibleTo.length > 0) as Resolver<OfferRow>,
    pinnedVersions: (async (o, _a, ctx) => {
      const versions = await Promise.all(o.pinnedVersionIds.map((id) => ctx.catalog.version(ctx.viewer, id)));
      return versions.filter((v) => v !== null);
    }) as Resolver<OfferRow>,
  },
  Mutation: {
    createOffer: (async (_p, { input }, ctx) => ({ offer: await ctx.offers.createOffer(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    archiveOffer: (async (_p, { input }, ctx) => ({ offer: await ctx.offers.archiveOffer(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
  },
};
