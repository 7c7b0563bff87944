import type { DatasetVersionRow } from '../db/stores/catalog-store.js';
import type { LicenseRow } from '../db/stores/licensing-store.js';
import { effectiveStatus, waitingSeconds } from '../licensing/status.js';
import { termsOf } from '../catalog/terms.js';
import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';
import { connectionFields } from './connections.js';

export const licensingResolvers: Resolvers = {
  Query: {
    licenses: (_p, args, ctx) => ctx.licensing.licenses(ctx.viewer, args),
    license: (_p, { id }, ctx) => ctx.licensing.license(ctx.viewer, id),
  },
  License: {
    status: (l, _a, ctx) => effectiveStatus(l, ctx.clock.now()),
    // Each answer with the question's label as the offer asks it now.
    accessAnswers: async (l, _a, ctx) => {
      const questions = (await ctx.stores.offers.offerById.load(l.offerId))?.accessQuestions ?? [];
      return (l.accessAnswers ?? []).map((a) => ({ ...a, label: questions.find((q) => q.key === a.key)?.label ?? null }));
    },
    // The parties to a license see its offer and dataset even once archived or suspended.
    offer: (l, _a, ctx) => referenced(ctx.stores.offers.offerById.load(l.offerId)),
    dataset: (l, _a, ctx) => referenced(ctx.stores.catalog.datasetById.load(l.datasetId)),
    licensee: (l, _a, ctx) => referenced(ctx.stores.accounts.organizationById.load(l.licenseeId)),
    terms: (l) => termsOf(l),
    versions: async (l, _a, ctx) => {
      if (!l.versionIds) return null;
      const rows = await ctx.stores.catalog.versionById.loadMany(l.versionIds);
      return rows.filter((v): v is DatasetVersionRow => v !== undefined && !(v instanceof Error));
    },
    waitingSeconds: (l, _a, ctx) => waitingSeconds(l, ctx.clock.now()),
    payments: (l, _a, ctx) => ctx.stores.billing.paymentsOfLicense(l.id),
  },
  LicenseConnection: connectionFields<LicenseRow>(),
  Mutation: {
    purchaseLicense: async (_p, { input }, ctx) => {
      const license = await ctx.licensing.purchase(ctx.viewer, input);
      return { license, checkoutUrl: license.status === 'PENDING_PAYMENT' ? license.checkoutUrl : null };
    },
    approveLicense: async (_p, { input }, ctx) => ({ license: await ctx.licensing.approve(ctx.viewer, input) }),
    rejectLicense: async (_p, { input }, ctx) => ({ license: await ctx.licensing.reject(ctx.viewer, input) }),
    cancelLicense: async (_p, { input }, ctx) => ({ license: await ctx.licensing.cancel(ctx.viewer, input) }),
    revokeLicense: async (_p, { input }, ctx) => ({ license: await ctx.licensing.revoke(ctx.viewer, input) }),
  },
};
