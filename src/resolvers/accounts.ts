import type { Principal } from '../accounts/viewer.js';
import type { ApiKeyRow, OrganizationRow, UserRow } from '../db/stores/accounts-store.js';
import type { InputArgs, Resolver } from './types.js';

export const accountsResolvers = {
  Query: {
    viewer: ((_p, _a, ctx) => ctx.viewer.principal) as Resolver<unknown, object, Principal | null>,
    organization: ((_p, { slug }, ctx) => ctx.accounts.organizationBySlug(ctx.viewer, slug)) as Resolver<
      unknown,
      { slug: string },
      Promise<OrganizationRow | null>
    >,
  },
  Viewer: {
    user: (async (p, _a, ctx) => (await ctx.stores.accounts.userById.load(p.userId))!) as Resolver<Principal, object, UserRow>,
    organization: ((p, _a, ctx) =>
      p.organizationId ? ctx.stores.accounts.organizationById.load(p.organizationId) : null) as Resolver<Principal>,
    apiKeys: ((p, _a, ctx) => ctx.stores.accounts.apiKeysOfUser(p.userId)) as Resolver<Principal>,
  },
  Organization: {
    members: ((org, _a, ctx) => ctx.accounts.members(ctx.viewer, org)) as Resolver<OrganizationRow>,
  },
  User: {
    email: ((user, _a, ctx) => (ctx.viewer.canSeeUser(user) ? user.email : null)) as Resolver<UserRow>,
    organization: ((user, _a, ctx) =>
      user.organizationId ? ctx.stores.accounts.organizationById.load(user.organizationId) : null) as Resolver<UserRow>,
    role: ((user) => user.orgRole) as Resolver<UserRow>,
  },
  ApiKey: {
    prefix: ((key) => key.secretPrefix) as Resolver<ApiKeyRow>,
  },
  Mutation: {
    createOrganization: (async (_p, { input }, ctx) => {
      const { organization, owner, secret } = await ctx.accounts.createOrganization(ctx.viewer, input);
      return { organization, owner, secret };
    }) as Resolver<unknown, InputArgs>,
    approveVendor: (async (_p, { input }, ctx) => ({
      organization: await ctx.accounts.approveVendor(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
    addMember: (async (_p, { input }, ctx) => {
      const { user, secret } = await ctx.accounts.addMember(ctx.viewer, input);
      return { user, secret };
    }) as Resolver<unknown, InputArgs>,
    createStaffUser: (async (_p, { input }, ctx) => {
      const { user, secret } = await ctx.accounts.createStaffUser(ctx.viewer, input);
      return { user, secret };
    }) as Resolver<unknown, InputArgs>,
    createApiKey: (async (_p, { input }, ctx) => ctx.accounts.createApiKey(ctx.viewer, input)) as Resolver<unknown, InputArgs>,
    revokeApiKey: (async (_p, { input }, ctx) => ({
      apiKey: await ctx.accounts.revokeApiKey(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
  },
};
