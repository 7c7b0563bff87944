import type { DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { CoverageReportView } from '../coverage/service.js';
import type { InputArgs, Resolver } from './types.js';

export const coverageResolvers = {
  DatasetVersion: {
    // The parent version was already checked visible, so its reports are too.
    coverage: ((v, _a, ctx) => ctx.coverage.reports(v)) as Resolver<DatasetVersionRow>,
  },
  CoverageReport: {
    attribute: ((r) => r.row.attribute) as Resolver<CoverageReportView>,
    totalCount: ((r) => r.total) as Resolver<CoverageReportView>,
    attestedBy: ((r) => r.row.attestedBy) as Resolver<CoverageReportView>,
    attestation: ((r) => r.row.attestation) as Resolver<CoverageReportView>,
    createdAt: ((r) => r.row.createdAt) as Resolver<CoverageReportView>,
    version: ((r, _a, ctx) => ctx.stores.catalog.versionById.load(r.row.versionId)) as Resolver<CoverageReportView>,
    inheritedFrom: (async (r, _a, ctx) => {
      const rows = await Promise.all(r.inheritedFromIds.map((id) => ctx.catalog.version(ctx.viewer, id)));
      return rows.filter((v) => v !== null);
    }) as Resolver<CoverageReportView>,
  },
  Mutation: {
    attachCoverageReport: (async (_p, { input }, ctx) => ({
      coverageReport: await ctx.coverage.attach(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
  },
};
