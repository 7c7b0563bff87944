import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';

export const coverageResolvers: Resolvers = {
  DatasetVersion: {
    // The parent version was already checked visible, so its reports are too.
    coverage: (v, _a, ctx) => ctx.coverage.reports(v),
  },
  CoverageReport: {
    attribute: (r) => r.row.attribute,
    totalCount: (r) => r.total,
    attestedBy: (r) => r.row.attestedBy,
    attestation: (r) => r.row.attestation,
    createdAt: (r) => r.row.createdAt,
    version: (r, _a, ctx) => referenced(ctx.stores.catalog.versionById.load(r.row.versionId)),
    inheritedFrom: async (r, _a, ctx) => {
      const rows = await Promise.all(r.inheritedFromIds.map((id) => ctx.catalog.version(ctx.viewer, id)));
      return rows.filter((v) => v !== null);
    },
  },
  Mutation: {
    attachCoverageReport: async (_p, { input }, ctx) => ({
      coverageReport: await ctx.coverage.attach(ctx.viewer, input),
    }),
  },
};
