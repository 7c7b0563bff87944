-- Hand-written (drizzle-kit does not model partitioning; the declarations in src/db/tables carry the keys and indexes).
-- usage_events, audit_events and usage_reports (the metering outbox) become tables partitioned by UTC month on their
-- timestamp, so time-bounded queries read only their months and old usage can go a month at a time. Each table is
-- rebuilt here, in this migration's transaction: a partitioned copy is created, every row moved into it, the old
-- table dropped and the copy given its name. Keys include the partition key, as PostgreSQL requires; no foreign key
-- references these tables, and usage_reports keeps its own to licenses.

-- Creates the month partition of `parent` holding `at` (UTC month), unless it exists; true when created. Rows that
-- landed in the DEFAULT partition for that month are moved into it (the default is detached meanwhile, as PostgreSQL
-- refuses a new partition whose range the default holds rows of).
CREATE OR REPLACE FUNCTION assay_ensure_month_partition(parent text, key text, at timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := date_trunc('month', at, 'UTC');
  hi timestamptz := date_trunc('month', lo + interval '40 days', 'UTC');
  name text := parent || '_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
  def text := parent || '_default';
  stray boolean;
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN false;
  END IF;
  -- One partition change at a time (two runs, or a run beside the usage retention): the others wait, then find it made
  -- (asked of pg_class afresh: a name lookup after an advisory lock may not see it yet).
  PERFORM pg_advisory_xact_lock(hashtext('assay.partitions'));
  IF EXISTS (SELECT 1 FROM pg_class WHERE relname = name AND relnamespace = current_schema()::regnamespace) THEN
    RETURN false;
  END IF;
  -- Creating a partition takes this lock anyway; taking it first means no row reaches the default meanwhile and no
  -- lock is upgraded half-way (a deadlock with writers).
  EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', parent);
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', def, key, key) INTO stray USING lo, hi;
  IF stray THEN
    -- Detaching drops the default's cloned triggers, so the move is not refused by audit_events' append-only ones;
    -- rows keep their content (and the audit chain its hashes).
    EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, def);
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lo, hi);
  IF stray THEN
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
      def, key, key, name) USING lo, hi;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I DEFAULT', parent, def);
  END IF;
  IF parent = 'audit_events' THEN
    -- Statement triggers are not inherited: TRUNCATE of one partition must be refused on the partition itself.
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION assay_audit_append_only()',
      name || '_no_truncate', name);
  END IF;
  RETURN true;
END;
$$;
--> statement-breakpoint
-- Swaps `parent` for a partitioned copy holding the same rows, with month partitions from its oldest row's month to
-- `months_ahead` months from now and a DEFAULT partition, so an insert never fails. Indexes and keys are created on
-- the copy afterwards (below), once the rows are in.
CREATE FUNCTION assay_partition_by_month(parent text, key text, months_ahead int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  old text := parent || '_unpartitioned';
  first_at timestamptz;
  m timestamptz;
BEGIN
  EXECUTE format('ALTER TABLE %I RENAME TO %I', parent, old);
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (%I)',
    parent, old, key);
  EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', parent || '_default', parent);
  IF parent = 'audit_events' THEN
    CREATE TRIGGER audit_events_default_no_truncate BEFORE TRUNCATE ON audit_events_default
      FOR EACH STATEMENT EXECUTE FUNCTION assay_audit_append_only();
  END IF;
  EXECUTE format('SELECT least(min(%I), now()) FROM %I', key, old) INTO first_at;
  m := date_trunc('month', first_at, 'UTC');
  WHILE m <= now() + make_interval(months => months_ahead) LOOP
    PERFORM assay_ensure_month_partition(parent, key, m);
    m := date_trunc('month', m + interval '40 days', 'UTC');
  END LOOP;
  EXECUTE format('INSERT INTO %I SELECT * FROM %I', parent, old);
  EXECUTE format('DROP TABLE %I', old);
END;
$$;
--> statement-breakpoint
SELECT assay_partition_by_month('usage_events', 'served_at', 3);
--> statement-breakpoint
SELECT assay_partition_by_month('audit_events', 'occurred_at', 3);
--> statement-breakpoint
SELECT assay_partition_by_month('usage_reports', 'window_start', 3);
--> statement-breakpoint
DROP FUNCTION assay_partition_by_month(text, text, int);
--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_id_served_at_pk" PRIMARY KEY("id","served_at");
--> statement-breakpoint
CREATE INDEX "usage_events_license_idx" ON "usage_events" USING btree ("license_id","served_at");
--> statement-breakpoint
CREATE INDEX "usage_events_token_idx" ON "usage_events" USING btree ("token_id");
--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_seq_occurred_at_pk" PRIMARY KEY("seq","occurred_at");
--> statement-breakpoint
CREATE INDEX "audit_events_id_idx" ON "audit_events" USING btree ("id");
--> statement-breakpoint
CREATE INDEX "audit_events_time_idx" ON "audit_events" USING btree ("occurred_at","seq");
--> statement-breakpoint
CREATE INDEX "audit_events_orgs_idx" ON "audit_events" USING gin ("organization_ids");
--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_user_id","seq");
--> statement-breakpoint
CREATE INDEX "audit_events_dataset_idx" ON "audit_events" USING btree ("dataset_id","seq") WHERE "audit_events"."dataset_id" IS NOT NULL;
--> statement-breakpoint
CREATE INDEX "audit_events_license_idx" ON "audit_events" USING btree ("license_id","seq") WHERE "audit_events"."license_id" IS NOT NULL;
--> statement-breakpoint
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("action","seq");
--> statement-breakpoint
-- The append-only rules of migration audit_append_only, again on the new table: the row trigger is cloned onto every
-- partition (present and future); TRUNCATE is refused on the parent here and on each partition as it is created.
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION assay_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION assay_audit_append_only();
--> statement-breakpoint
ALTER TABLE "usage_reports" ADD CONSTRAINT "usage_reports_identifier_window_start_pk" PRIMARY KEY("identifier","window_start");
--> statement-breakpoint
ALTER TABLE "usage_reports" ADD CONSTRAINT "usage_reports_license_id_licenses_id_fk" FOREIGN KEY ("license_id") REFERENCES "public"."licenses"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE UNIQUE INDEX "usage_reports_window_sequence_key" ON "usage_reports" USING btree ("license_id","window_start","sequence");
--> statement-breakpoint
CREATE INDEX "usage_reports_due_idx" ON "usage_reports" USING btree ("next_attempt_at") WHERE "usage_reports"."status" = 'PENDING';
--> statement-breakpoint
CREATE INDEX "usage_reports_license_idx" ON "usage_reports" USING btree ("license_id","window_start");
