import type { AuditEventRow } from '../db/stores/audit-store.js';
import { unitsOf } from '../metering/windows.js';
import type { Resolvers } from './generated/resolvers.js';
import { referenced } from './references.js';
import { connectionFields } from './connections.js';

export const auditResolvers: Resolvers = {
  Query: {
    auditEvents: (_p, args, ctx) => ctx.audit.list(ctx.stores, ctx.viewer, args),
    verifyAuditLog: (_p, args, ctx) => ctx.audit.verify(ctx.stores, ctx.viewer, args),
    licenseUsageReport: (_p, args, ctx) => ctx.audit.licenseUsageReport(ctx.stores, ctx.viewer, args),
  },
  LicenseUsageRow: {
    license: (r, _a, ctx) => referenced(ctx.stores.licensing.licenseById.load(r.licenseId)),
    licensee: async (r, _a, ctx) => {
      const license = await ctx.stores.licensing.licenseById.load(r.licenseId);
      return referenced(ctx.stores.accounts.organizationById.load(license!.licenseeId));
    },
    dataset: async (r, _a, ctx) => {
      const license = await ctx.stores.licensing.licenseById.load(r.licenseId);
      return ctx.catalog.dataset(ctx.viewer, license!.datasetId);
    },
    unit: async (r, _a, ctx) => (await ctx.stores.licensing.licenseById.load(r.licenseId))?.usageUnit ?? null,
    units: async (r, _a, ctx) => {
      const unit = (await ctx.stores.licensing.licenseById.load(r.licenseId))?.usageUnit;
      return unit ? unitsOf(unit, { bytes: Number(r.bytes), rows: Number(r.rows), requests: r.downloads }).quantity : null;
    },
  },
  AuditEvent: {
    actor: (e, _a, ctx) => (e.actorUserId ? referenced(ctx.stores.accounts.userById.load(e.actorUserId)) : null),
    actorOrganization: (e, _a, ctx) =>
      e.actorOrganizationId ? referenced(ctx.stores.accounts.organizationById.load(e.actorOrganizationId)) : null,
  },
  AuditEventConnection: connectionFields<AuditEventRow>(),
  Mutation: {
    signAuditCheckpoint: async (_p, { input }, ctx) => ({
      signed: await ctx.audit.signCheckpoint(ctx.stores, ctx.viewer, input, ctx.keyRing),
    }),
  },
};
