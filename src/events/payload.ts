import type { EventRow } from '../db/stores/events-store.js';

/**
 * The JSON a webhook carries, in the Standard Webhooks shape: `type`, `timestamp` (when it happened) and `data`, plus
 * the event's `id` (also the `webhook-id` header) so a receiver can dedupe or look it up in `events`.
 * @example webhookBody(event) // '{"id":"evt_…","type":"version.retracted","timestamp":"2026-…","data":{…}}'
 */
export function webhookBody(event: EventRow): string {
  return JSON.stringify({ id: event.id, type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data });
}
