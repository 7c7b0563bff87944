import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';

export const accountsResolvers: Resolvers = {
  Query: {
    viewer: (_p, _a, ctx) => ctx.viewer.principal,
    organization: (_p, { slug }, ctx) => ctx.accounts.organizationBySlug(ctx.viewer, slug),
  },
  Viewer: {
    user: async (p, _a, ctx) => (await ctx.stores.accounts.userById.load(p.userId))!,
    organization: (p, _a, ctx) => (p.organizationId ? referenced(ctx.stores.accounts.organizationById.load(p.organizationId)) : null),
    apiKeys: (p, _a, ctx) => ctx.stores.accounts.apiKeysOfUser(p.userId),
  },
  Organization: {
    members: (org, _a, ctx) => ctx.accounts.members(ctx.viewer, org),
  },
  User: {
    email: (user, _a, ctx) => (ctx.viewer.canSeeUser(user) ? user.email : null),
    organization: (user, _a, ctx) =>
      user.organizationId ? referenced(ctx.stores.accounts.organizationById.load(user.organizationId)) : null,
    role: (user) => user.orgRole,
  },
  ApiKey: {
    prefix: (key) => key.secretPrefix,
  },
  Mutation: {
    createOrganization: async (_p, { input }, ctx) => {
      const { organization, owner, secret } = await ctx.accounts.createOrganization(ctx.viewer, input);
      return { organization, owner, secret };
    },
    approveVendor: async (_p, { input }, ctx) => ({
      organization: await ctx.accounts.approveVendor(ctx.viewer, input),
    }),
    addMember: async (_p, { input }, ctx) => {
      const { user, secret } = await ctx.accounts.addMember(ctx.viewer, input);
      return { user, secret };
    },
    createStaffUser: async (_p, { input }, ctx) => {
      const { user, secret } = await ctx.accounts.createStaffUser(ctx.viewer, input);
      return { user, secret };
    },
    createApiKey: async (_p, { input }, ctx) => ctx.accounts.createApiKey(ctx.viewer, input),
    revokeApiKey: async (_p, { input }, ctx) => ({
      apiKey: await ctx.accounts.revokeApiKey(ctx.viewer, input),
    }),
  },
};
