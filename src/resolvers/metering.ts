import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';

export const meteringResolvers: Resolvers = {
  Query: {
    usage: (_p, args, ctx) => ctx.metering.usage(ctx.viewer, args),
    vendorUsage: (_p, args, ctx) => ctx.metering.vendorUsage(ctx.viewer, args),
    usageReconciliation: (_p, args, ctx) => ctx.metering.reconciliation(ctx.viewer, args),
  },
  License: {
    currentUsage: (l, _a, ctx) => ctx.metering.currentUsage(l),
  },
  VendorUsageRow: {
    licensee: (r, _a, ctx) => referenced(ctx.stores.accounts.organizationById.load(r.licenseeId)),
    dataset: (r, _a, ctx) => referenced(ctx.stores.catalog.datasetById.load(r.datasetId)),
  },
  UsageReconciliationRow: {
    license: (r, _a, ctx) => referenced(ctx.stores.licensing.licenseById.load(r.licenseId)),
  },
};
