import { inColumnOrder } from '../catalog/sample-order.js';
import { termsOf } from '../catalog/terms.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { CatalogPageIncludes, DatasetOrder, DatasetRow, DatasetVersionRow, ListedDataset } from '../db/stores/catalog-store.js';
import { BadUserInputError } from '../errors.js';
import type { Connection } from '../pagination.js';
import { selectedPaths } from './look-ahead.js';
import type { InputArgs, PageArgs, Resolver } from './types.js';

const connectionFields = {
  nodes: ((c) => c.edges.map((e) => e.node)) as Resolver<Connection<unknown>>,
  totalCount: ((c) => c.totalCount()) as Resolver<Connection<unknown>>,
};

/** What the fields below a page of datasets will ask for, so the page reads it in its own statement. */
function catalogPageIncludes(info: GraphQLResolveInfo): CatalogPageIncludes {
  const paths = selectedPaths(info, 4);
  const node = (path: string) => paths.has(`edges.node.${path}`) || paths.has(`nodes.${path}`);
  return {
    vendor: node('vendor') || node('fullSlug'),
    latestVersion: node('latestVersion'),
    lineage: node('latestVersion.lineage'),
    offers: node('offers'),
  };
}

export const catalogResolvers = {
  Query: {
    datasets: ((_p, args, ctx, info) => ctx.catalog.search(ctx.viewer, args, catalogPageIncludes(info))) as Resolver<
      unknown,
      PageArgs & { filter?: unknown; orderBy?: DatasetOrder | null }
    >,
    dataset: ((_p, { id, slug }, ctx) => {
      if ((id == null) === (slug == null)) throw new BadUserInputError('Give exactly one of id or slug', id == null ? 'id' : 'slug');
      return id != null ? ctx.catalog.dataset(ctx.viewer, id) : ctx.catalog.datasetBySlug(ctx.viewer, slug!);
    }) as Resolver<unknown, { id?: string | null; slug?: string | null }>,
    datasetVersion: ((_p, { id }, ctx) => ctx.catalog.version(ctx.viewer, id)) as Resolver<unknown, { id: string }>,
  },
  Dataset: {
    fullSlug: (async (d, _a, ctx) =>
      `${(await ctx.stores.accounts.organizationById.load(d.vendorId))!.slug}/${d.slug}`) as Resolver<DatasetRow>,
    vendor: (async (d, _a, ctx) => ctx.stores.accounts.organizationById.load(d.vendorId)) as Resolver<DatasetRow>,
    terms: ((d) => termsOf(d)) as Resolver<DatasetRow>,
    versions: ((d, args, ctx) => ctx.catalog.versions(ctx.viewer, d, args)) as Resolver<DatasetRow, PageArgs>,
    latestVersion: ((d, _a, ctx) => ctx.catalog.latestVersion(d)) as Resolver<DatasetRow>,
    suspendedReason: ((d, _a, ctx) => (ctx.viewer.canRead(d.vendorId) ? d.suspendedReason : null)) as Resolver<DatasetRow>,
    relevance: ((d) => (d as Partial<ListedDataset>).rank ?? null) as Resolver<DatasetRow>,
  },
  DatasetVersion: {
    dataset: (async (v, _a, ctx) => ctx.stores.catalog.datasetById.load(v.datasetId)) as Resolver<DatasetVersionRow>,
    files: ((v, _a, ctx) => ctx.stores.catalog.filesByVersionId.load(v.id)) as Resolver<DatasetVersionRow>,
    sample: (async (v, _a, ctx) =>
      inColumnOrder(await ctx.stores.catalog.sampleByVersionId.load(v.id), v.columns)) as Resolver<DatasetVersionRow>,
  },
  DatasetConnection: connectionFields,
  DatasetVersionConnection: connectionFields,
  Mutation: {
    createDataset: (async (_p, { input }, ctx) => ({ dataset: await ctx.catalog.createDataset(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    updateDataset: (async (_p, { input }, ctx) => ({ dataset: await ctx.catalog.updateDataset(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    createDatasetVersion: (async (_p, { input }, ctx) => ({
      datasetVersion: await ctx.catalog.createVersion(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
    updateDatasetVersion: (async (_p, { input }, ctx) => ({
      datasetVersion: await ctx.catalog.updateVersion(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
    publishDatasetVersion: (async (_p, { input }, ctx) => ({
      datasetVersion: await ctx.catalog.publishVersion(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
    suspendDataset: (async (_p, { input }, ctx) => ({ dataset: await ctx.catalog.suspendDataset(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    reinstateDataset: (async (_p, { input }, ctx) => ({
      dataset: await ctx.catalog.reinstateDataset(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
  },
};
