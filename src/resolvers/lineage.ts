import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';

export const lineageResolvers: Resolvers = {
  DatasetVersion: {
    // The parent version was already checked visible, so its provenance and lineage are too.
    provenance: (v, _a, ctx) => ctx.lineage.provenance(ctx.viewer, v),
    lineage: (v, _a, ctx) => ctx.lineage.lineage(v),
    qualityReports: (v, _a, ctx) => ctx.lineage.qualityReports(v),
    croissant: (v, _a, ctx) => ctx.lineage.croissant(ctx.viewer, v),
  },
  ProvenanceSource: {
    version: (s, _a, ctx) => ctx.catalog.version(ctx.viewer, s.versionId),
  },
  Lineage: {
    attributions: (l, _a, ctx) => ctx.lineage.attributions(ctx.viewer, l),
    ancestors: (l, { maxDepth }, ctx) => ctx.lineage.ancestors(ctx.viewer, l, maxDepth),
    descendants: (l, { maxDepth }, ctx) => ctx.lineage.descendants(ctx.viewer, l, maxDepth),
    roots: (l, _a, ctx) => ctx.lineage.roots(ctx.viewer, l),
    retractedAncestors: (l, _a, ctx) => ctx.lineage.retractedAncestors(ctx.viewer, l),
    collapseRisk: (l, _a, ctx) => ctx.lineage.collapseRisk(ctx.viewer, l),
  },
  QualityReport: {
    version: (r, _a, ctx) => referenced(ctx.stores.catalog.versionById.load(r.versionId)),
    privacy: (r) => ({
      distanceToClosestRecord: r.distanceToClosestRecord,
      membershipInferenceRisk: r.membershipInferenceRisk,
    }),
  },
  Mutation: {
    retractDatasetVersion: async (_p, { input }, ctx) => ({
      datasetVersion: await ctx.lineage.retract(ctx.viewer, input),
    }),
    attachQualityReport: async (_p, { input }, ctx) => ({
      qualityReport: await ctx.lineage.attachQualityReport(ctx.viewer, input),
    }),
  },
};
