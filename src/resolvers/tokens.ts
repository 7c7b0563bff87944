import type { InputArgs, Resolver } from './types.js';

export const tokensResolvers = {
  Query: {
    signingKeys: ((_p, _a, ctx) => ctx.tokens.signingKeys(ctx.viewer)) as Resolver<unknown>,
  },
  Mutation: {
    rotateSigningKey: (async (_p, { input }, ctx) => ({
      signingKey: await ctx.tokens.rotateSigningKey(ctx.viewer, input),
    })) as Resolver<unknown, InputArgs>,
  },
};
