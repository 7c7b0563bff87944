import type { DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { TrainingMixRow } from '../db/stores/mixes-store.js';
import type { MixComputation } from '../mixes/service.js';
import type { Context } from '../context.js';
import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';
import { connectionFields } from './connections.js';

/** A field of the mix's computation (computed once per request, however many fields ask). */
const computed =
  <T>(pick: (c: MixComputation) => T) =>
  async (m: TrainingMixRow, _a: unknown, ctx: Context): Promise<T> =>
    pick(await ctx.mixes.compute(ctx.viewer, m));

const versionsOf = (views: readonly { version: DatasetVersionRow }[]) => views.map((v) => v.version);

export const mixesResolvers: Resolvers = {
  Query: {
    trainingMix: (_p, { id }, ctx) => {
      ctx.viewer.assertAuthenticated();
      return ctx.mixes.mix(ctx.viewer, id);
    },
    trainingMixes: (_p, args, ctx) => ctx.mixes.list(ctx.viewer, args),
  },
  TrainingMix: {
    intendedUse: (m) => m.intendedUse,
    components: computed((c) => c.components),
    totalRows: computed((c) => c.metrics.totalRows),
    realFraction: computed((c) => c.metrics.realFraction),
    syntheticToRealRatio: computed((c) => c.metrics.syntheticToRealRatio),
    realRows: computed((c) => c.metrics.realRows),
    maxGenerationDepth: computed((c) => c.metrics.maxDepth),
    meanGenerationDepth: computed((c) => c.metrics.meanDepth),
    humanReviewedFraction: computed((c) => c.metrics.humanReviewedFraction),
    collapseRisk: computed((c) => c.collapseRisk),
    inheritedTerms: computed((c) => c.metrics.inheritedTerms),
    termsConflicts: computed((c) => c.metrics.conflicts),
    attributions: computed((c) => c.metrics.attributions),
    retractedComponents: computed((c) => versionsOf(c.retracted)),
    unlicensedComponents: computed((c) => versionsOf(c.components.filter((v) => !v.owned && !v.license))),
    unlicensableComponents: computed((c) => versionsOf(c.unlicensable)),
    licensingCost: computed((c) => c.licensingCost),
    coverage: computed((c) => c.coverage),
    targetRealFraction: (m, _a, ctx) => ctx.mixes.targetOf(m),
    suggestions: (m, _a, ctx) => ctx.mixes.suggestions(ctx.viewer, m),
  },
  MixComponent: {
    cheapestOffer: (c, _a, ctx) => (c.cheapestOffer ? referenced(ctx.stores.offers.offerById.load(c.cheapestOffer.offerId)) : null),
    cheapestPrice: (c) =>
      c.cheapestOffer?.currency ? { amountCents: c.cheapestOffer.amountCents, currency: c.cheapestOffer.currency } : null,
  },
  MixSuggestion: {
    price: (s) => (s.currency && s.amountCents !== null ? { amountCents: s.amountCents, currency: s.currency } : null),
  },
  TrainingMixConnection: connectionFields<TrainingMixRow>(),
  Mutation: {
    createTrainingMix: async (_p, { input }, ctx) => ({ trainingMix: await ctx.mixes.create(ctx.viewer, input) }),
    updateTrainingMix: async (_p, { input }, ctx) => ({ trainingMix: await ctx.mixes.update(ctx.viewer, input) }),
    deleteTrainingMix: async (_p, { input }, ctx) => ({ deletedId: await ctx.mixes.delete(ctx.viewer, input) }),
  },
};
