import type { AuditEventRow } from '../db/stores/audit-store.js';
import type { Connection } from '../pagination.js';
import type { InputArgs, PageArgs, Resolver } from './types.js';

export const auditResolvers = {
  Query: {
    auditEvents: ((_p, args, ctx) => ctx.audit.list(ctx.stores, ctx.viewer, args)) as Resolver<unknown, PageArgs & { filter?: unknown }>,
    verifyAuditLog: ((_p, args, ctx) => ctx.audit.verify(ctx.stores, ctx.viewer, args, ctx.keyRing)) as Resolver<
      unknown,
      { from?: Date | null; to?: Date | null }
    >,
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
    signAuditCheckpoint: (async (_p, _args, ctx) => {
      ctx.viewer.assertAdmin();
      return { signed: await ctx.audit.checkpoint(ctx.stores, ctx.keyRing) };
    }) as Resolver<unknown, InputArgs>,
  },
};
