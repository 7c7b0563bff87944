import type { EventRow, VendorNoticeRow } from '../db/stores/events-store.js';
import type { Resolvers } from './generated/resolvers.js';
import { connectionFields } from './connections.js';

export const eventsResolvers: Resolvers = {
  Query: {
    events: (_p, args, ctx) => ctx.events.events(ctx.viewer, args),
    webhookEndpoints: (_p, _a, ctx) => ctx.events.endpoints(ctx.viewer),
    webhookDeliveries: (_p, { endpointId, first }, ctx) => ctx.events.deliveries(ctx.viewer, endpointId, first),
  },
  EventConnection: connectionFields<EventRow>(),
  Event: {
    data: (e) => e.data,
  },
  WebhookEndpoint: {
    deliveries: (w, { first }, ctx) => ctx.events.deliveries(ctx.viewer, w.id, first),
  },
  Dataset: {
    notices: (d, _a, ctx) => ctx.events.notices(ctx.viewer, d.id),
  },
  Mutation: {
    createWebhookEndpoint: (_p, { input }, ctx) => ctx.events.createEndpoint(ctx.viewer, input),
    updateWebhookEndpoint: async (_p, { input }, ctx) => ({ endpoint: await ctx.events.updateEndpoint(ctx.viewer, input) }),
    deleteWebhookEndpoint: async (_p, { input }, ctx) => ({ deletedId: await ctx.events.deleteEndpoint(ctx.viewer, input) }),
    rotateWebhookSecret: (_p, { input }, ctx) => ctx.events.rotateSecret(ctx.viewer, input),
    sendVendorNotice: async (_p, { input }, ctx) => {
      const notice: VendorNoticeRow = await ctx.events.sendVendorNotice(ctx.viewer, input);
      return { notice, recipientCount: notice.recipientIds.length };
    },
  },
};
