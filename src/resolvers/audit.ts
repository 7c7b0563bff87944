import type { LicenseUsageRow } from '../audit/service.js';
import type { AuditEventRow } from '../db/stores/audit-store.js';
import { unitsOf } from '../metering/windows.js';
import type { Connection } from '../pagination.js';
import type { InputArgs, PageArgs, Resolver } from './types.js';

export const auditResolvers = {
  Query: {
    auditEvents: ((_p, args, ctx) => ctx.audit.list(ctx.stores, ctx.viewer, args)) as Resolver<unknown, PageArgs & { filter?: unknown }>,
    verifyAuditLog: ((_p, args, ctx) => ctx.audit.verify(ctx.stores, ctx.viewer, args)) as Resolver<
      unknown,
      { from?: Date | null; to?: Date | null }
    >,
    licenseUsageReport: ((_p, args, ctx) => ctx.audit.licenseUsageReport(ctx.stores, ctx.viewer, args)) as Resolver<
      unknown,
      { from: Date; to: Date; filter?: unknown }
    >,
  },
  LicenseUsageRow: {
    license: ((r, _a, ctx) => ctx.stores.licensing.licenseById.load(r.licenseId)) as Resolver<LicenseUsageRow>,
    licensee: (async (r, _a, ctx) => {
      const license = await ctx.stores.licensing.licenseById.load(r.licenseId);
      return ctx.stores.accounts.organizationById.load(license!.licenseeId);
    }) as Resolver<LicenseUsageRow>,
    dataset: (async (r, _a, ctx) => {
      const license = await ctx.stores.licensing.licenseById.load(r.licenseId);
      return ctx.catalog.dataset(ctx.viewer, license!.datasetId);
    }) as Resolver<LicenseUsageRow>,
    unit: (async (r, _a, ctx) =>
      (await ctx.stores.licensing.licenseById.load(r.licenseId))?.usageUnit ?? null) as Resolver<LicenseUsageRow>,
    units: (async (r, _a, ctx) => {
      const unit = (await ctx.stores.licensing.licenseById.load(r.licenseId))?.usageUnit;
      return unit ? unitsOf(unit, { bytes: Number(r.bytes), rows: Number(r.rows), requests: r.downloads }).quantity : null;
    }) as Resolver<LicenseUsageRow>,
  },
  AuditEvent: {
    actor: ((e, _a, ctx) => (e.actorUserId ? ctx.stores.accounts.userById.load(e.actorUserId) : null)) as Resolver<AuditEventRow>,
    actorOrganization: ((e, _a, ctx) =>
      e.actorOrganizationId ? ctx.stores.accounts.organizationById.load(e.actorOrganizationId) : null) as Resolver<AuditEventRow>,
  },
  AuditEventConnection: {
    nodes: ((c) => c.edges.map((e) => e.node)) as Resolver<Connection<AuditEventRow>>,
    totalCount: ((c) => c.totalCount()) as Resolver<Connection<AuditEventRow>>,
  },
  Mutation: {
    signAuditCheckpoint: (async (_p, { input }, ctx) => ({
      signed: await ctx.audit.signCheckpoint(ctx.stores, ctx.viewer, input, ctx.keyRing),
    })) as Resolver<unknown, InputArgs>,
  },
};
