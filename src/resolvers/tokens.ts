import type { AccessTokenRow } from '../db/stores/tokens-store.js';
import type { Connection } from '../pagination.js';
import type { InputArgs, PageArgs, Resolver } from './types.js';

export const tokensResolvers = {
  Query: {
    signingKeys: ((_p, _a, ctx) => ctx.tokens.signingKeys(ctx.viewer)) as Resolver<unknown>,
    accessTokens: ((_p, args, ctx) => ctx.tokens.accessTokens(ctx.viewer, args)) as Resolver<
      unknown,
      PageArgs & { licenseId?: string | null }
    >,
  },
  AccessToken: {
    license: (async (t, _a, ctx) => ctx.stores.licensing.licenseById.load(t.licenseId)) as Resolver<AccessTokenRow>,
  },
  AccessTokenConnection: {
    nodes: ((c) => c.edges.map((e) => e.node)) as Resolver<Connection<AccessTokenRow>>,
    totalCount: ((c) => c.totalCount()) as Resolver<Connection<AccessTokenRow>>,
  },
  Mutation: {
    rotateSigningKey: (async (_p, { input }, ctx) => ({
      signingKey: await ctx.tokens.rotateSigningKey(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
    issueAccessToken: (async (_p, { input }, ctx) => ctx.tokens.issueAccessToken(ctx.viewer, input)) as Resolver<unknown, InputArgs>,
    revokeAccessToken: (async (_p, { input }, ctx) => ({
      accessToken: await ctx.tokens.revokeAccessToken(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
  },
};
