import type { DataFileRow } from '../db/stores/catalog-store.js';
import type { UploadRow } from '../db/stores/delivery-store.js';
import type { InputArgs, Resolver } from './types.js';

export const deliveryResolvers = {
  Upload: {
    url: ((u) => `/uploads/${u.id}`) as Resolver<UploadRow>,
  },
  DataFile: {
    uploaded: (async (f, _a, ctx) => {
      const version = await ctx.stores.catalog.versionById.load(f.versionId);
      const dataset = version && (await ctx.stores.catalog.datasetById.load(version.datasetId));
      if (!dataset || !ctx.viewer.canRead(dataset.vendorId)) return null;
      return (await ctx.stores.delivery.blobsByVersionId.load(f.versionId)).get(f.sha256)?.byteSize === f.byteSize;
    }) as Resolver<DataFileRow>,
  },
  Mutation: {
    createUpload: (async (_p, { input }, ctx) => ({ upload: await ctx.uploads.createUpload(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    createUploads: (async (_p, { input }, ctx) => ({ uploads: await ctx.uploads.createUploads(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
  },
};
