import type { AccessTokenRow } from '../db/stores/tokens-store.js';
import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';
import { connectionFields } from './connections.js';

export const tokensResolvers: Resolvers = {
  Query: {
    signingKeys: (_p, _a, ctx) => ctx.tokens.signingKeys(ctx.viewer),
    accessTokens: (_p, args, ctx) => ctx.tokens.accessTokens(ctx.viewer, args),
  },
  AccessToken: {
    license: async (t, _a, ctx) => referenced(ctx.stores.licensing.licenseById.load(t.licenseId)),
  },
  AccessTokenConnection: connectionFields<AccessTokenRow>(),
  Mutation: {
    rotateSigningKey: async (_p, { input }, ctx) => ({
      signingKey: await ctx.tokens.rotateSigningKey(ctx.viewer, input),
    }),
    issueAccessToken: async (_p, { input }, ctx) => ctx.tokens.issueAccessToken(ctx.viewer, input),
    revokeAccessToken: async (_p, { input }, ctx) => ({
      accessToken: await ctx.tokens.revokeAccessToken(ctx.viewer, input),
    }),
  },
};
