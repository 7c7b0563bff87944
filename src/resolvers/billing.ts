import type { OrganizationRow } from '../db/stores/accounts-store.js';
import type { LedgerEntryRow, PaymentRow, PayoutAccountRow } from '../db/stores/billing-store.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { InputArgs, Resolver } from './types.js';

export const billingResolvers = {
  Organization: {
    payoutAccount: ((org, _a, ctx) => ctx.billing.payoutAccountOf(ctx.viewer, org.id)) as Resolver<OrganizationRow>,
    royaltyBalances: ((org, _a, ctx) =>
      ctx.viewer.canRead(org.id) ? ctx.billing.balancesOf(ctx.viewer, org.id) : null) as Resolver<OrganizationRow>,
  },
  PayoutAccount: {
    billingMode: ((a) => a.mode) as Resolver<PayoutAccountRow>,
  },
  Payment: {
    billingMode: ((p) => p.mode) as Resolver<PaymentRow>,
    ledger: (async (p, _a, ctx) => {
      const license = (await ctx.stores.licensing.licenseById.load(p.licenseId)) as LicenseRow;
      if (!ctx.viewer.canRead(license.vendorId)) return [];
      return ctx.stores.billing.ledgerOfPayments([p.id]);
    }) as Resolver<PaymentRow>,
  },
  LedgerEntry: {
    organization: ((e, _a, ctx) =>
      e.organizationId ? ctx.stores.accounts.organizationById.load(e.organizationId) : null) as Resolver<LedgerEntryRow>,
    sourceDataset: ((e, _a, ctx) =>
      e.sourceDatasetId ? ctx.catalog.dataset(ctx.viewer, e.sourceDatasetId) : null) as Resolver<LedgerEntryRow>,
  },
  Mutation: {
    connectPayoutAccount: (async (_p, { input }, ctx) => {
      const { account, onboardingUrl } = await ctx.billing.connectPayoutAccount(ctx.viewer, input);
      return { payoutAccount: account, onboardingUrl };
    }) as Resolver<unknown, InputArgs>,
  },
};
