import type { DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { InputArgs, Resolver } from './types.js';

export const complianceResolvers = {
  Query: {
    trainingContentSummary: ((_p, { mixId, input }, ctx) => ctx.compliance.trainingContentSummary(ctx.viewer, mixId, input)) as Resolver<
      unknown,
      InputArgs & { mixId: string }
    >,
  },
  DatasetVersion: {
    // The parent version was already checked visible; the evidence is as public as the version.
    optOutEvidence: ((v, _a, ctx) => ctx.stores.lineage.optOutEvidenceByVersionId.load(v.id)) as Resolver<DatasetVersionRow>,
  },
};
