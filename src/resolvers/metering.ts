import type { LicenseRow } from '../db/stores/licensing-store.js';
import type { ReconciliationRow, UsageGranularity } from '../metering/service.js';
import type { Resolver } from './types.js';

type VendorUsageRow = { licenseeId: string; datasetId: string };

export const meteringResolvers = {
  Query: {
    usage: ((_p, args, ctx) => ctx.metering.usage(ctx.viewer, args)) as Resolver<
      unknown,
      { licenseId: string; from: Date; to: Date; granularity?: UsageGranularity | null }
    >,
    vendorUsage: ((_p, args, ctx) => ctx.metering.vendorUsage(ctx.viewer, args)) as Resolver<
      unknown,
      { from: Date; to: Date; vendorId?: string | null }
    >,
    usageReconciliation: ((_p, args, ctx) => ctx.metering.reconciliation(ctx.viewer, args)) as Resolver<
      unknown,
      { from: Date; to: Date; licenseId?: string | null }
    >,
  },
  License: {
    currentUsage: ((l, _a, ctx) => ctx.metering.currentUsage(l)) as Resolver<LicenseRow>,
  },
  VendorUsageRow: {
    licensee: ((r, _a, ctx) => ctx.stores.accounts.organizationById.load(r.licenseeId)) as Resolver<VendorUsageRow>,
    dataset: ((r, _a, ctx) => ctx.stores.catalog.datasetById.load(r.datasetId)) as Resolver<VendorUsageRow>,
  },
  UsageReconciliationRow: {
    license: ((r, _a, ctx) => ctx.stores.licensing.licenseById.load(r.licenseId)) as Resolver<ReconciliationRow>,
  },
};
