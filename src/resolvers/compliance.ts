import type { Resolvers } from './generated/resolvers.js';

export const complianceResolvers: Resolvers = {
  Query: {
    trainingContentSummary: (_p, { mixId, input }, ctx) => ctx.compliance.trainingContentSummary(ctx.viewer, mixId, input),
  },
  DatasetVersion: {
    // The parent version was already checked visible; the evidence is as public as the version.
    optOutEvidence: (v, _a, ctx) => ctx.stores.lineage.optOutEvidenceByVersionId.load(v.id),
  },
};
