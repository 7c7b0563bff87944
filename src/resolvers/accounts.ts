import type { Context } from '../context.js';
import type { ApiKeyRow, OrganizationRow, UserRow } from '../db/stores/accounts-store.js';
import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';

/** Public vendor profiles are visible to all; a buyer organization only to its members and staff. */
export function canSeeOrganization(ctx: Context, org: OrganizationRow): boolean {
  return org.kind === 'VENDOR' || ctx.viewer.canRead(org.id);
}

export function canSeeUser(ctx: Context, user: UserRow): boolean {
  const p = ctx.viewer.principal;
  return (
    p !== null && (p.userId === user.id || ctx.viewer.isStaff || (user.organizationId !== null && p.organizationId === user.organizationId))
  );
}

export function canSeeApiKey(ctx: Context, key: ApiKeyRow, owner: UserRow | undefined): boolean {
  const p = ctx.viewer.principal;
  if (!p) return false;
  if (p.userId === key.userId || ctx.viewer.isStaff) return true;
  return p.orgRole === 'OWNER' && owner?.organizationId != null && owner.organizationId === p.organizationId;
}

export const accountsResolvers: Resolvers = {
  Query: {
    viewer: (_p, _a, ctx) => ctx.viewer.principal,
    organization: async (_p, { slug }, ctx) => {
      const org = await ctx.stores.accounts.organizationBySlug(slug);
      return org && canSeeOrganization(ctx, org) ? org : null;
    },
  },
  Viewer: {
    user: async (p, _a, ctx) => (await ctx.stores.accounts.userById.load(p.userId))!,
    organization: (p, _a, ctx) => (p.organizationId ? referenced(ctx.stores.accounts.organizationById.load(p.organizationId)) : null),
    apiKeys: (p, _a, ctx) => ctx.stores.accounts.apiKeysOfUser(p.userId),
  },
  Organization: {
    members: (org, _a, ctx) => (ctx.viewer.canRead(org.id) ? ctx.stores.accounts.membersOf(org.id) : null),
  },
  User: {
    email: (user, _a, ctx) => (canSeeUser(ctx, user) ? user.email : null),
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
