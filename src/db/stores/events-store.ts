import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import type { OrganizationScope, TenantScope } from '../../accounts/viewer.js';
import { tenantSql } from './tenant.js';
import { newId } from '../../ids.js';
import { IN_FORCE_LICENSE_STATUSES, statusList } from '../../licensing/transitions.js';
import { textArray } from '../sql-arrays.js';
import { events, vendorNotices, webhookDeliveries, webhookEndpoints } from '../tables/index.js';

export type EventRow = typeof events.$inferSelect;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type VendorNoticeRow = typeof vendorNotices.$inferSelect;
export type EventInsert = Pick<EventRow, 'organizationId' | 'type' | 'data' | 'occurredAt'>;

/** Where a replay continues: after this row of the stream's (transaction, sequence) order. */
export interface EventPosition {
  txId: string;
  seq: number;
}

/** A claimed delivery with what sending it needs: the event and the endpoint's (sealed) secrets. */
export interface ClaimedDelivery {
  delivery: WebhookDeliveryRow;
  event: EventRow;
  endpoint: WebhookEndpointRow;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** Every endpoint query names its organization: the scope is a required argument, not a filter to remember. */
const ownEndpoint = (scope: OrganizationScope, id: string) =>
  and(eq(webhookEndpoints.organizationId, scope.organizationId), eq(webhookEndpoints.id, id));

/** Data access for event streams, webhook endpoints, their delivery outbox and vendor notices. */
export class EventsStore {
  constructor(private readonly db: DbOrTx) {}

  // --- the stream --------------------------------------------------------------

  /**
   * Appends events and, in the same transaction, queues one delivery per enabled endpoint of each event's organization
   * that subscribes to its type (an empty subscription list means every type).
   */
  async append(rows: readonly EventInsert[]): Promise<EventRow[]> {
    const inserted = await this.db
      .insert(events)
      .values(rows.map((r) => ({ ...r, id: newId('event', r.occurredAt.getTime()) })))
      .returning();
    const orgIds = [...new Set(inserted.map((e) => e.organizationId))];
    const endpoints = await this.db
      .select({ id: webhookEndpoints.id, organizationId: webhookEndpoints.organizationId, eventTypes: webhookEndpoints.eventTypes })
      .from(webhookEndpoints)
      .where(and(inArray(webhookEndpoints.organizationId, orgIds), eq(webhookEndpoints.enabled, true)));
    const deliveries = inserted.flatMap((e) =>
      endpoints
        .filter((w) => w.organizationId === e.organizationId && (w.eventTypes.length === 0 || w.eventTypes.includes(e.type)))
        .map((w) => ({
          id: newId('webhookDelivery', e.occurredAt.getTime()),
          eventId: e.id,
          endpointId: w.id,
          organizationId: e.organizationId,
          nextAttemptAt: e.occurredAt,
          createdAt: e.occurredAt,
        })),
    );
    if (deliveries.length > 0) await this.db.insert(webhookDeliveries).values(deliveries);
    return inserted;
  }

  /**
   * One page of an organization's stream after `after`, oldest first. Only rows of transactions older than every one
   * still running are listed, so a transaction that commits later can never add a row before a cursor already handed out.
   */
  async listEvents(
    scope: OrganizationScope,
    after: EventPosition | undefined,
    types: string[] | undefined,
    limit: number,
  ): Promise<EventRow[]> {
    return this.db
      .select()
      .from(events)
      .where(
        and(
          eq(events.organizationId, scope.organizationId),
          sql`${events.txId} < pg_snapshot_xmin(pg_current_snapshot())`,
          after ? sql`(${events.txId}, ${events.seq}) > (${after.txId}::xid8, ${after.seq})` : undefined,
          types ? sql`${events.type} = ANY(${textArray(types)})` : undefined,
        ),
      )
      .orderBy(events.txId, events.seq)
      .limit(limit + 1);
  }

  async eventById(scope: OrganizationScope, id: string): Promise<EventRow | undefined> {
    const [row] = await this.db
      .select()
      .from(events)
      .where(and(eq(events.organizationId, scope.organizationId), eq(events.id, id)));
    return row;
  }

  /**
   * Organizations holding a license in force on a dataset (ACTIVE or PAST_DUE, term not over): who is told about its
   * new versions, suspension and notices.
   */
  async liveLicenseeIds(datasetId: string, now: Date): Promise<string[]> {
    const res = await this.db.execute<{ licensee_id: string }>(sql`/* liveLicenseesOfDataset */
      SELECT DISTINCT licensee_id FROM licenses
      WHERE dataset_id = ${datasetId} AND status IN (${sql.raw(statusList(IN_FORCE_LICENSE_STATUSES))}) AND (expires_at IS NULL OR expires_at > ${ts(now)})
      ORDER BY licensee_id`);
    return res.rows.map((r) => r.licensee_id);
  }

  async countEvents(scope: OrganizationScope, types: string[] | undefined): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(events)
      .where(
        and(
          eq(events.organizationId, scope.organizationId),
          sql`${events.txId} < pg_snapshot_xmin(pg_current_snapshot())`,
          types ? sql`${events.type} = ANY(${textArray(types)})` : undefined,
        ),
      );
    return row!.n;
  }

  // --- endpoints ---------------------------------------------------------------

  async insertEndpoint(row: typeof webhookEndpoints.$inferInsert): Promise<WebhookEndpointRow> {
    const [created] = await this.db.insert(webhookEndpoints).values(row).returning();
    return created!;
  }

  async endpointsOf(scope: OrganizationScope): Promise<WebhookEndpointRow[]> {
    return this.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.organizationId, scope.organizationId))
      .orderBy(webhookEndpoints.id);
  }

  async endpoint(scope: OrganizationScope, id: string): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.db.select().from(webhookEndpoints).where(ownEndpoint(scope, id));
    return row;
  }

  async lockEndpoint(scope: OrganizationScope, id: string): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.db.select().from(webhookEndpoints).where(ownEndpoint(scope, id)).for('update');
    return row;
  }

  async updateEndpoint(scope: OrganizationScope, id: string, patch: Partial<WebhookEndpointRow>): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.db.update(webhookEndpoints).set(patch).where(ownEndpoint(scope, id)).returning();
    return row;
  }

  /** Removes an endpoint and (by cascade) its deliveries; false when it is not the scope organization's. */
  async deleteEndpoint(scope: OrganizationScope, id: string): Promise<boolean> {
    const rows = await this.db.delete(webhookEndpoints).where(ownEndpoint(scope, id)).returning({ id: webhookEndpoints.id });
    return rows.length > 0;
  }

  /** An endpoint's most recent deliveries, newest first, with their events' types. */
  async deliveriesOf(scope: OrganizationScope, endpointId: string, limit: number): Promise<(WebhookDeliveryRow & { eventType: string })[]> {
    const rows = await this.db
      .select({ delivery: webhookDeliveries, eventType: events.type })
      .from(webhookDeliveries)
      .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
      .where(and(eq(webhookDeliveries.organizationId, scope.organizationId), eq(webhookDeliveries.endpointId, endpointId)))
      .orderBy(desc(webhookDeliveries.id))
      .limit(limit);
    return rows.map((r) => ({ ...r.delivery, eventType: r.eventType }));
  }

  // --- the delivery worker -------------------------------------------------------

  /**
   * Leases up to `limit` due deliveries of enabled endpoints to the caller (`token`) until `leaseUntil`. The caller
   * commits this before it sends anything; a crashed worker's leases simply run out and the deliveries are due again.
   */
  async claimDue(now: Date, leaseUntil: Date, token: string, limit: number): Promise<ClaimedDelivery[]> {
    const claimed = await this.db.execute<{ id: string }>(sql`/* claimDueWebhookDeliveries */
      UPDATE webhook_deliveries d SET lease_until = ${ts(leaseUntil)}, lease_token = ${token}
      WHERE d.id IN (
        SELECT d2.id FROM webhook_deliveries d2
        JOIN webhook_endpoints w ON w.id = d2.endpoint_id AND w.enabled
        WHERE d2.status = 'PENDING' AND d2.next_attempt_at <= ${ts(now)}
          AND (d2.lease_until IS NULL OR d2.lease_until <= ${ts(now)})
        ORDER BY d2.next_attempt_at
        LIMIT ${limit}
        FOR UPDATE OF d2 SKIP LOCKED)
      RETURNING d.id`);
    const ids = claimed.rows.map((r) => r.id);
    if (ids.length === 0) return [];
    return this.db
      .select({ delivery: webhookDeliveries, event: events, endpoint: webhookEndpoints })
      .from(webhookDeliveries)
      .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .where(inArray(webhookDeliveries.id, ids))
      .orderBy(webhookDeliveries.nextAttemptAt);
  }

  /** Records an attempt's result, only while `token` still holds the lease; false when it no longer does. */
  async recordAttempt(id: string, token: string, patch: Partial<WebhookDeliveryRow>): Promise<boolean> {
    const rows = await this.db
      .update(webhookDeliveries)
      .set({ ...patch, leaseUntil: null, leaseToken: null })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.leaseToken, token), eq(webhookDeliveries.status, 'PENDING')))
      .returning({ id: webhookDeliveries.id });
    return rows.length > 0;
  }

  /** A delivered attempt clears the endpoint's failure count. */
  async endpointSucceeded(endpointId: string): Promise<void> {
    await this.db
      .update(webhookEndpoints)
      .set({ consecutiveFailures: 0 })
      .where(and(eq(webhookEndpoints.id, endpointId), sql`${webhookEndpoints.consecutiveFailures} <> 0`));
  }

  /** One more delivery that ran out of retries; the endpoint is disabled once `threshold` of them come in a row. */
  async endpointFailed(endpointId: string, threshold: number, now: Date): Promise<void> {
    await this.db.execute(sql`/* webhookEndpointFailed */
      UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1,
        enabled = CASE WHEN consecutive_failures + 1 >= ${threshold} THEN false ELSE enabled END,
        disabled_at = CASE WHEN consecutive_failures + 1 >= ${threshold} AND enabled THEN ${ts(now)} ELSE disabled_at END,
        disabled_reason = CASE WHEN consecutive_failures + 1 >= ${threshold} AND enabled
          THEN ${`${threshold} deliveries in a row failed`} ELSE disabled_reason END
      WHERE id = ${endpointId}`);
  }

  /** Deliveries still to be sent, and the oldest one's creation (for the outbox gauges). */
  async outboxLag(): Promise<{ pending: number; oldestCreatedAt: Date | null }> {
    const res = await this.db.execute<{ pending: string; oldest: string | null }>(sql`/* webhookOutboxLag */
      SELECT count(*) AS pending, min(created_at) AS oldest FROM webhook_deliveries WHERE status = 'PENDING'`);
    const row = res.rows[0]!;
    return { pending: Number(row.pending), oldestCreatedAt: row.oldest ? new Date(row.oldest) : null };
  }

  // --- vendor notices --------------------------------------------------------------

  /** Inserts a notice unless this vendor already sent one with the same client token; undefined then. */
  async insertNotice(row: typeof vendorNotices.$inferInsert): Promise<VendorNoticeRow | undefined> {
    const [created] = await this.db.insert(vendorNotices).values(row).onConflictDoNothing().returning();
    return created;
  }

  async noticeByClientToken(vendorId: string, clientToken: string): Promise<VendorNoticeRow | undefined> {
    const [row] = await this.db
      .select()
      .from(vendorNotices)
      .where(and(eq(vendorNotices.vendorId, vendorId), eq(vendorNotices.clientToken, clientToken)));
    return row;
  }

  /** A dataset's notices an organization may see (its vendor sees all; a licensee those sent to it), newest first. */
  async noticesOf(scope: TenantScope, datasetId: string, limit: number): Promise<VendorNoticeRow[]> {
    return this.db
      .select()
      .from(vendorNotices)
      .where(
        and(
          eq(vendorNotices.datasetId, datasetId),
          tenantSql(scope, (org) => sql`(${vendorNotices.vendorId} = ${org} OR ${org}::text = ANY(${vendorNotices.recipientIds}))`),
        ),
      )
      .orderBy(desc(vendorNotices.id))
      .limit(limit);
  }
}
