import type { LicenseRow } from '../db/stores/licensing-store.js';
import { effectiveStatus, waitingSeconds } from '../licensing/status.js';
import { termsOf } from '../catalog/terms.js';
import type { Connection } from '../pagination.js';
import type { InputArgs, PageArgs, Resolver } from './types.js';

export const licensingResolvers = {
  Query: {
    licenses: ((_p, args, ctx) => ctx.licensing.licenses(ctx.viewer, args)) as Resolver<
      unknown,
      PageArgs & { filter?: unknown; orderBy?: unknown }
    >,
    license: ((_p, { id }, ctx) => ctx.licensing.license(ctx.viewer, id)) as Resolver<unknown, { id: string }>,
  },
  License: {
    status: ((l, _a, ctx) => effectiveStatus(l, ctx.clock.now())) as Resolver<LicenseRow>,
    // Each answer with the question's label as the offer asks it now.
    accessAnswers: (async (l, _a, ctx) => {
      const questions = (await ctx.stores.offers.offerById.load(l.offerId))?.accessQuestions ?? [];
      return (l.accessAnswers ?? []).map((a) => ({ ...a, label: questions.find((q) => q.key === a.key)?.label ?? null }));
    }) as Resolver<LicenseRow>,
    // The parties to a license see its offer and dataset even once archived or suspended.
    offer: ((l, _a, ctx) => ctx.stores.offers.offerById.load(l.offerId)) as Resolver<LicenseRow>,
    dataset: ((l, _a, ctx) => ctx.stores.catalog.datasetById.load(l.datasetId)) as Resolver<LicenseRow>,
    licensee: ((l, _a, ctx) => ctx.stores.accounts.organizationById.load(l.licenseeId)) as Resolver<LicenseRow>,
    terms: ((l) => termsOf(l)) as Resolver<LicenseRow>,
    versions: (async (l, _a, ctx) => {
      if (!l.versionIds) return null;
      const rows = await ctx.stores.catalog.versionById.loadMany(l.versionIds);
      return rows.filter((v) => v && !(v instanceof Error));
    }) as Resolver<LicenseRow>,
    waitingSeconds: ((l, _a, ctx) => waitingSeconds(l, ctx.clock.now())) as Resolver<LicenseRow>,
    payments: ((l, _a, ctx) => ctx.stores.billing.paymentsOfLicense(l.id)) as Resolver<LicenseRow>,
  },
  LicenseConnection: {
    nodes: ((c) => c.edges.map((e) => e.node)) as Resolver<Connection<LicenseRow>>,
    totalCount: ((c) => c.totalCount()) as Resolver<Connection<LicenseRow>>,
  },
  Mutation: {
    purchaseLicense: (async (_p, { input }, ctx) => {
      const license = await ctx.licensing.purchase(ctx.viewer, input);
      return { license, checkoutUrl: license.status === 'PENDING_PAYMENT' ? license.checkoutUrl : null };
    }) as Resolver<unknown, InputArgs>,
    approveLicense: (async (_p, { input }, ctx) => ({ license: await ctx.licensing.approve(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    rejectLicense: (async (_p, { input }, ctx) => ({ license: await ctx.licensing.reject(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    cancelLicense: (async (_p, { input }, ctx) => ({ license: await ctx.licensing.cancel(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    revokeLicense: (async (_p, { input }, ctx) => ({ license: await ctx.licensing.revoke(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
  },
};
