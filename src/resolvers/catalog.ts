import { inColumnOrder } from '../catalog/sample-order.js';
import { termsOf } from '../catalog/terms.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { CatalogPageIncludes, DatasetRow, DatasetVersionRow, ListedDataset } from '../db/stores/catalog-store.js';
import { BadUserInputError } from '../errors.js';
import { selectedPaths } from './look-ahead.js';
import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';
import { connectionFields } from './connections.js';

/**
 * What the fields below a page of datasets will ask for, so the page reads it in its own statement (and counts the
 * matches beside it when `totalCount` is asked for).
 */
function catalogPageReads(info: GraphQLResolveInfo): { include: CatalogPageIncludes; totalCount: boolean } {
  const paths = selectedPaths(info, 7);
  const node = (path: string) => paths.has(`edges.node.${path}`) || paths.has(`nodes.${path}`);
  return {
    include: {
      vendor: node('vendor') || node('fullSlug'),
      latestVersion: node('latestVersion'),
      lineage: node('latestVersion.lineage'),
      offers: node('offers'),
      slim: onlyListingFields(paths),
    },
    totalCount: paths.has('totalCount'),
  };
}

/**
 * The fields of a listing that the catalog page's listing columns (`LISTING_COLUMNS`) answer, with the resolvers
 * they run (their own reads included): a page that asks for nothing else reads only those columns.
 */
const LISTING_FIELDS = new Set(
  [
    'id slug fullSlug title summary kind modality tags status suspendedReason publishedAt updatedAt relevance',
    'terms terms.spdxId terms.commercialUse terms.modelTraining terms.derivatives terms.syntheticGeneration terms.redistribution terms.attributionRequired',
    'vendor vendor.id vendor.slug vendor.name vendor.kind',
    'latestVersion latestVersion.id latestVersion.version latestVersion.status latestVersion.rowCount latestVersion.byteSize latestVersion.publishedAt',
    'latestVersion.lineage latestVersion.lineage.generationDepth latestVersion.lineage.realFraction latestVersion.lineage.humanReviewedFraction',
    'latestVersion.lineage.collapseRisk latestVersion.lineage.collapseRisk.level latestVersion.lineage.collapseRisk.reasons',
    'offers offers.id offers.name offers.active offers.pricingModel offers.currency offers.amountCents offers.termDays offers.billingInterval',
    'offers.usageUnit offers.unitAmountCents offers.includedUnits offers.usageCap offers.requiresApproval offers.royaltyBps offers.trialDays',
  ].flatMap((line) => line.split(' ')),
);
const CONNECTION_FIELDS = new Set(['totalCount', 'edges', 'edges.cursor', 'edges.node', 'nodes', 'pageInfo']);
const slimSelections = new WeakMap<ReadonlySet<string>, boolean>();

function onlyListingFields(paths: ReadonlySet<string>): boolean {
  let slim = slimSelections.get(paths);
  if (slim === undefined) {
    slim = [...paths].every((path) => {
      if (CONNECTION_FIELDS.has(path) || path.startsWith('pageInfo.') || path.endsWith('__typename')) return true;
      const field = /^(?:edges\.node|nodes)\.(.*)$/.exec(path)?.[1];
      return field !== undefined && LISTING_FIELDS.has(field);
    });
    slimSelections.set(paths, slim);
  }
  return slim;
}

export const catalogResolvers: Resolvers = {
  Query: {
    datasets: (_p, args, ctx, info) => {
      const { include, totalCount } = catalogPageReads(info);
      return ctx.catalog.search(ctx.viewer, args, include, totalCount);
    },
    dataset: (_p, { id, slug }, ctx) => {
      if ((id == null) === (slug == null)) throw new BadUserInputError('Give exactly one of id or slug', id == null ? 'id' : 'slug');
      return id != null ? ctx.catalog.dataset(ctx.viewer, id) : ctx.catalog.datasetBySlug(ctx.viewer, slug!);
    },
    datasetVersion: (_p, { id }, ctx) => ctx.catalog.version(ctx.viewer, id),
  },
  Dataset: {
    // The vendor as the page that listed the dataset read it, else loaded.
    fullSlug: (d, _a, ctx) => {
      const vendor = ctx.catalog.listedVendor(d);
      if (vendor) return `${vendor.slug}/${d.slug}`;
      return ctx.stores.accounts.organizationById.load(d.vendorId).then((v) => `${v!.slug}/${d.slug}`);
    },
    vendor: (d, _a, ctx) => ctx.catalog.listedVendor(d) ?? referenced(ctx.stores.accounts.organizationById.load(d.vendorId)),
    terms: (d) => termsOf(d),
    versions: (d, args, ctx) => ctx.catalog.versions(ctx.viewer, d, args),
    latestVersion: (d, _a, ctx) => ctx.catalog.latestVersion(d),
    suspendedReason: (d, _a, ctx) => (ctx.viewer.canRead(d.vendorId) ? d.suspendedReason : null),
    relevance: (d) => (d as Partial<ListedDataset>).rank ?? null,
  },
  DatasetVersion: {
    dataset: async (v, _a, ctx) => referenced(ctx.stores.catalog.datasetById.load(v.datasetId)),
    files: (v, _a, ctx) => ctx.stores.catalog.filesByVersionId.load(v.id),
    sample: async (v, _a, ctx) => inColumnOrder(await ctx.stores.catalog.sampleByVersionId.load(v.id), v.columns),
  },
  DatasetConnection: connectionFields<DatasetRow>(),
  DatasetVersionConnection: connectionFields<DatasetVersionRow>(),
  Mutation: {
    createDataset: async (_p, { input }, ctx) => ({ dataset: await ctx.catalog.createDataset(ctx.viewer, input) }),
    updateDataset: async (_p, { input }, ctx) => ({ dataset: await ctx.catalog.updateDataset(ctx.viewer, input) }),
    createDatasetVersion: async (_p, { input }, ctx) => ({
      datasetVersion: await ctx.catalog.createVersion(ctx.viewer, input),
    }),
    updateDatasetVersion: async (_p, { input }, ctx) => ({
      datasetVersion: await ctx.catalog.updateVersion(ctx.viewer, input),
    }),
    publishDatasetVersion: async (_p, { input }, ctx) => ({
      datasetVersion: await ctx.catalog.publishVersion(ctx.viewer, input),
    }),
    suspendDataset: async (_p, { input }, ctx) => ({ dataset: await ctx.catalog.suspendDataset(ctx.viewer, input) }),
    reinstateDataset: async (_p, { input }, ctx) => ({
      dataset: await ctx.catalog.reinstateDataset(ctx.viewer, input),
    }),
  },
};
