import type { EventRow, VendorNoticeRow, WebhookEndpointRow } from '../db/stores/events-store.js';
import type { DatasetRow } from '../db/stores/catalog-store.js';
import type { Connection } from '../pagination.js';
import type { InputArgs, PageArgs, Resolver } from './types.js';

export const eventsResolvers = {
  Query: {
    events: ((_p, args, ctx) => ctx.events.events(ctx.viewer, args)) as Resolver<unknown, PageArgs & { types?: string[] | null }>,
    webhookEndpoints: ((_p, _a, ctx) => ctx.events.endpoints(ctx.viewer)) as Resolver<unknown>,
    webhookDeliveries: ((_p, { endpointId, first }, ctx) => ctx.events.deliveries(ctx.viewer, endpointId, first)) as Resolver<
      unknown,
      { endpointId: string; first?: number | null }
    >,
  },
  EventConnection: {
    totalCount: ((c) => c.totalCount()) as Resolver<Connection<EventRow>>,
  },
  Event: {
    data: ((e) => e.data) as Resolver<EventRow>,
  },
  WebhookEndpoint: {
    deliveries: ((w, { first }, ctx) => ctx.events.deliveries(ctx.viewer, w.id, first)) as Resolver<
      WebhookEndpointRow,
      { first?: number | null }
    >,
  },
  Dataset: {
    notices: ((d, _a, ctx) => ctx.events.notices(ctx.viewer, d.id)) as Resolver<DatasetRow>,
  },
  Mutation: {
    createWebhookEndpoint: ((_p, { input }, ctx) => ctx.events.createEndpoint(ctx.viewer, input)) as Resolver<unknown, InputArgs>,
    updateWebhookEndpoint: (async (_p, { input }, ctx) => ({ endpoint: await ctx.events.updateEndpoint(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    deleteWebhookEndpoint: (async (_p, { input }, ctx) => ({ deletedId: await ctx.events.deleteEndpoint(ctx.viewer, input) })) as Resolver<
      unknown,
      InputArgs
    >,
    rotateWebhookSecret: ((_p, { input }, ctx) => ctx.events.rotateSecret(ctx.viewer, input)) as Resolver<unknown, InputArgs>,
    sendVendorNotice: (async (_p, { input }, ctx) => {
      const notice: VendorNoticeRow = await ctx.events.sendVendorNotice(ctx.viewer, input);
      return { notice, recipientCount: notice.recipientIds.length };
    }) as Resolver<unknown, InputArgs>,
  },
};
