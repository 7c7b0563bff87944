import type { Resolvers } from './generated/resolvers.js';

export const deliveryResolvers: Resolvers = {
  Upload: {
    url: (u) => `/uploads/${u.id}`,
  },
  DataFile: {
    uploaded: async (f, _a, ctx) => {
      const version = await ctx.stores.catalog.versionById.load(f.versionId);
      const dataset = version && (await ctx.stores.catalog.datasetById.load(version.datasetId));
      if (!dataset || !ctx.viewer.canRead(dataset.vendorId)) return null;
      return (await ctx.stores.delivery.blobsByVersionId.load(f.versionId)).get(f.sha256)?.byteSize === f.byteSize;
    },
  },
  Mutation: {
    createUpload: async (_p, { input }, ctx) => ({ upload: await ctx.uploads.createUpload(ctx.viewer, input) }),
    createUploads: async (_p, { input }, ctx) => ({ uploads: await ctx.uploads.createUploads(ctx.viewer, input) }),
  },
};
