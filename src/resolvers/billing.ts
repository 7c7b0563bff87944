import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';

export const billingResolvers: Resolvers = {
  Organization: {
    payoutAccount: (org, _a, ctx) => ctx.billing.payoutAccountOf(ctx.viewer, org.id),
    royaltyBalances: (org, _a, ctx) => (ctx.viewer.canRead(org.id) ? ctx.billing.balancesOf(ctx.viewer, org.id) : null),
  },
  PayoutAccount: {
    billingMode: (a) => a.mode,
  },
  Payment: {
    billingMode: (p) => p.mode,
    ledger: async (p, _a, ctx) => {
      const license = await referenced(ctx.stores.licensing.licenseById.load(p.licenseId));
      if (!ctx.viewer.canRead(license.vendorId)) return [];
      return ctx.stores.billing.ledgerOfPayments([p.id]);
    },
  },
  LedgerEntry: {
    organization: (e, _a, ctx) => (e.organizationId ? referenced(ctx.stores.accounts.organizationById.load(e.organizationId)) : null),
    sourceDataset: (e, _a, ctx) => (e.sourceDatasetId ? ctx.catalog.dataset(ctx.viewer, e.sourceDatasetId) : null),
  },
  Mutation: {
    connectPayoutAccount: async (_p, { input }, ctx) => {
      const { account, onboardingUrl } = await ctx.billing.connectPayoutAccount(ctx.viewer, input);
      return { payoutAccount: account, onboardingUrl };
    },
  },
};
