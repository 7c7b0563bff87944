import type { Clock } from '../clock.js';
import type { Stores } from '../db/stores/index.js';
import type { NewEvent } from './types.js';

/**
 * Appends events to their organizations' streams and queues their webhook deliveries, inside the caller's transaction
 * (so an event exists exactly when the change that caused it committed). Duplicate organizations are written once.
 * @example await emitEvents(tx, clock, [{ type: 'dataset.suspended', organizationIds: [vendorId], data: { datasetId } }]);
 */
export async function emitEvents(tx: Stores, clock: Clock, events: readonly NewEvent[]): Promise<void> {
  const now = clock.now();
  const rows = events.flatMap((e) =>
    [...new Set(e.organizationIds)].map((organizationId) => ({ organizationId, type: e.type, data: e.data, occurredAt: now })),
  );
  if (rows.length > 0) await tx.events.append(rows);
}
