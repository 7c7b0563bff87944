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
  const paths = selectedPaths(info, 4);
  const node = (path: string) => paths.has(`edges.node.${path}`) || paths.has(`nodes.${path}`);
  return {
    include: {
      vendor: node('vendor') || node('fullSlug'),
      latestVersion: node('latestVersion'),
      lineage: node('latestVersion.lineage'),
      offers: node('offers'),
    },
    totalCount: paths.has('totalCount'),
  };
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
      const vendor = ctx.stores.accounts.organizationById.peek(d.vendorId);
      if (vendor) return `${vendor.slug}/${d.slug}`;
      return ctx.stores.accounts.organizationById.load(d.vendorId).then((v) => `${v!.slug}/${d.slug}`);
    },
    vendor: (d, _a, ctx) =>
      ctx.stores.accounts.organizationById.peek(d.vendorId) ?? referenced(ctx.stores.accounts.organizationById.load(d.vendorId)),
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
