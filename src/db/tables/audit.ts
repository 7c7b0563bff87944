import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The append-only, hash-chained audit trail: `hash` = SHA-256 over the event's canonical content and `prev_hash`.
 * Triggers (migration audit_append_only) refuse UPDATE, DELETE and TRUNCATE. Partitioned by month on `occurred_at`
 * (migration partition_by_month; drizzle does not model partitions), hence the key includes it.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigint('seq', { mode: 'number' }).notNull(),
    id: text('id').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    action: text('action').notNull(),
    actorUserId: text('actor_user_id'),
    actorOrganizationId: text('actor_organization_id'),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    /** Organizations that may read this event (the actor's and the subject's owners). */
    organizationIds: text('organization_ids').array().notNull(),
    datasetId: text('dataset_id'),
    licenseId: text('license_id'),
    clientAddress: text('client_address'),
    requestId: text('request_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.seq, t.occurredAt] }),
    index('audit_events_id_idx').on(t.id),
    index('audit_events_time_idx').on(t.occurredAt, t.seq),
    index('audit_events_orgs_idx').using('gin', t.organizationIds),
    index('audit_events_actor_idx').on(t.actorUserId, t.seq),
    index('audit_events_dataset_idx')
      .on(t.datasetId, t.seq)
      .where(sql`${t.datasetId} IS NOT NULL`),
    index('audit_events_license_idx')
      .on(t.licenseId, t.seq)
      .where(sql`${t.licenseId} IS NOT NULL`),
    index('audit_events_action_idx').on(t.action, t.seq),
  ],
);

/** The chain's head, one row: writers lock it, so concurrent transactions append one consistent chain. */
export const auditChainHead = pgTable('audit_chain_head', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

/** Chain heads signed with the token-signing key: a consistent rewrite by a superuser still fails verification. */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull(),
  kid: text('kid').notNull(),
  signature: text('signature').notNull(),
  signedAt: timestamp('signed_at', { withTimezone: true }).notNull(),
});
