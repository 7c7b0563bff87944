CREATE TYPE "public"."opt_out_signal" AS ENUM('ROBOTS_TXT', 'TDMREP', 'AI_PREFERENCES');--> statement-breakpoint
CREATE TYPE "public"."openlineage_delivery" AS ENUM('PENDING', 'DELIVERED', 'FAILED');--> statement-breakpoint
CREATE TABLE "opt_out_evidence" (
	"version_id" text NOT NULL,
	"position" integer NOT NULL,
	"signal" "opt_out_signal" NOT NULL,
	"url" text NOT NULL,
	"value" text NOT NULL,
	"reserved" boolean NOT NULL,
	"checked_at" timestamp with time zone NOT NULL,
	"sha256" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "opt_out_evidence_pkey" PRIMARY KEY("version_id","position")
);
--> statement-breakpoint
CREATE TABLE "openlineage_events" (
	"run_id" text PRIMARY KEY NOT NULL,
	"tx_id" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"seq" bigserial NOT NULL,
	"vendor_id" text NOT NULL,
	"version_id" text NOT NULL,
	"event" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"delivery" "openlineage_delivery" DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"first_attempt_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"lease_token" text,
	"last_error" text,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "opt_out_evidence" ADD CONSTRAINT "opt_out_evidence_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "openlineage_events" ADD CONSTRAINT "openlineage_events_vendor_id_organizations_id_fk" FOREIGN KEY ("vendor_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "openlineage_events" ADD CONSTRAINT "openlineage_events_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "openlineage_events_order_key" ON "openlineage_events" USING btree ("tx_id","seq");--> statement-breakpoint
CREATE INDEX "openlineage_events_vendor_idx" ON "openlineage_events" USING btree ("vendor_id","tx_id","seq");--> statement-breakpoint
CREATE INDEX "openlineage_events_due_idx" ON "openlineage_events" USING btree ("next_attempt_at") WHERE "openlineage_events"."delivery" = 'PENDING';