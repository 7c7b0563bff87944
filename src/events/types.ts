/**
 * Every business event an organization's stream carries: the closed set webhook endpoints subscribe to and `events`
 * filters by. A new member needs a row in the README's "Events and webhooks" table.
 */
export const EVENT_TYPES = [
  'version.published',
  'version.retracted',
  'dataset.suspended',
  'dataset.reinstated',
  'license.status_changed',
  'access_request.created',
  'access_request.decided',
  'usage.cap_warning',
  'usage.cap_reached',
  'vendor_notice.sent',
  'trial.ending',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (s: string): s is EventType => (EVENT_TYPES as readonly string[]).includes(s);

/** One event to append: its type, what it says, and every organization whose stream it goes into. */
export interface NewEvent {
  type: EventType;
  organizationIds: readonly string[];
  data: Record<string, unknown>;
}
