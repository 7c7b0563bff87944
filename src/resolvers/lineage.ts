import type { DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { QualityReportRow } from '../db/stores/lineage-store.js';
import type { ProvenanceSource } from '../lineage/provenance.js';
import type { LineageView } from '../lineage/service.js';
import type { InputArgs, Resolver } from './types.js';

type DepthArgs = { maxDepth?: number | null };

export const lineageResolvers = {
  DatasetVersion: {
    // The parent version was already checked visible, so its provenance and lineage are too.
    provenance: ((v, _a, ctx) => ctx.lineage.provenance(ctx.viewer, v)) as Resolver<DatasetVersionRow>,
    lineage: ((v, _a, ctx) => ctx.lineage.lineage(v)) as Resolver<DatasetVersionRow>,
    qualityReports: ((v, _a, ctx) => ctx.lineage.qualityReports(v)) as Resolver<DatasetVersionRow>,
    croissant: ((v, _a, ctx) => ctx.lineage.croissant(ctx.viewer, v)) as Resolver<DatasetVersionRow>,
  },
  ProvenanceSource: {
    version: ((s, _a, ctx) => ctx.catalog.version(ctx.viewer, s.versionId)) as Resolver<ProvenanceSource>,
  },
  Lineage: {
    generationDepth: ((l) => l.summary.generationDepth) as Resolver<LineageView>,
    realFraction: ((l) => l.summary.realFraction) as Resolver<LineageView>,
    humanReviewedFraction: ((l) => l.summary.humanReviewedFraction) as Resolver<LineageView>,
    inheritedTerms: ((l) => l.summary.inheritedTerms) as Resolver<LineageView>,
    attributions: ((l, _a, ctx) => ctx.lineage.attributions(ctx.viewer, l)) as Resolver<LineageView>,
    ancestors: ((l, { maxDepth }, ctx) => ctx.lineage.ancestors(ctx.viewer, l, maxDepth)) as Resolver<LineageView, DepthArgs>,
    descendants: ((l, { maxDepth }, ctx) => ctx.lineage.descendants(ctx.viewer, l, maxDepth)) as Resolver<LineageView, DepthArgs>,
    roots: ((l, _a, ctx) => ctx.lineage.roots(ctx.viewer, l)) as Resolver<LineageView>,
    retractedAncestors: ((l, _a, ctx) => ctx.lineage.retractedAncestors(ctx.viewer, l)) as Resolver<LineageView>,
    collapseRisk: ((l, _a, ctx) => ctx.lineage.collapseRisk(ctx.viewer, l)) as Resolver<LineageView>,
  },
  QualityReport: {
    version: ((r, _a, ctx) => ctx.stores.catalog.versionById.load(r.versionId)) as Resolver<QualityReportRow>,
    privacy: ((r) => ({
      distanceToClosestRecord: r.distanceToClosestRecord,
      membershipInferenceRisk: r.membershipInferenceRisk,
    })) as Resolver<QualityReportRow>,
  },
  Mutation: {
    retractDatasetVersion: (async (_p, { input }, ctx) => ({
      datasetVersion: await ctx.lineage.retract(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
    attachQualityReport: (async (_p, { input }, ctx) => ({
      qualityReport: await ctx.lineage.attachQualityReport(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
  },
};
