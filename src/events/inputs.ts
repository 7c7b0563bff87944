import { z } from 'zod';
import { line, nodeId, text } from '../validation.js';
import { EVENT_TYPES, isEventType } from './types.js';

/** An endpoint may subscribe to these types; an empty list subscribes it to every type. */
const eventTypes = z
  .array(z.string().refine(isEventType, `must be one of ${EVENT_TYPES.join(', ')}`))
  .max(EVENT_TYPES.length, `must list at most ${EVENT_TYPES.length} types`)
  .refine((a) => new Set(a).size === a.length, 'must not repeat a type');

export const CreateWebhookEndpointInput = z.object({
  url: line(2000),
  eventTypes: eventTypes.default([]),
});

export const UpdateWebhookEndpointInput = z.object({
  id: nodeId('whep'),
  url: line(2000).optional(),
  eventTypes: eventTypes.optional(),
  enabled: z.boolean().optional(),
});

export const WebhookEndpointIdInput = z.object({ id: nodeId('whep') });

/** `events(types:)`: known types only; null or empty means every type. */
export const EventTypesArg = z
  .array(z.string().refine(isEventType, `must be one of ${EVENT_TYPES.join(', ')}`))
  .max(EVENT_TYPES.length, `must list at most ${EVENT_TYPES.length} types`)
  .nullish();

export const SendVendorNoticeInput = z.object({
  datasetId: nodeId('ds'),
  kind: z.enum(['DATA_DELAY', 'DATA_UPDATE', 'SCHEMA_CHANGE', 'DEPRECATION']),
  message: text(4000).refine((s) => s.trim().length > 0, 'must not be empty'),
  effectiveAt: z.date(),
  clientToken: line(200),
});
