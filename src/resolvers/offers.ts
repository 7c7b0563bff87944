import { termsOf } from '../catalog/terms.js';
import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';

export const offersResolvers: Resolvers = {
  Dataset: {
    offers: (d, _a, ctx) => ctx.offers.offersOf(ctx.viewer, d),
  },
  Offer: {
    dataset: (o, _a, ctx) => referenced(ctx.stores.catalog.datasetById.load(o.datasetId)),
    terms: (o) => termsOf(o),
    questions: (o) => o.accessQuestions,
    // Named buyers never learn who else was offered the same terms.
    visibleTo: (o, _a, ctx) => (ctx.viewer.canRead(o.vendorId) ? o.visibleTo : []),
    private: (o) => o.visibleTo.length > 0,
    pinnedVersions: async (o, _a, ctx) => {
      const versions = await Promise.all(o.pinnedVersionIds.map((id) => ctx.catalog.version(ctx.viewer, id)));
      return versions.filter((v) => v !== null);
    },
  },
  Mutation: {
    createOffer: async (_p, { input }, ctx) => ({ offer: await ctx.offers.createOffer(ctx.viewer, input) }),
    archiveOffer: async (_p, { input }, ctx) => ({ offer: await ctx.offers.archiveOffer(ctx.viewer, input) }),
  },
};
