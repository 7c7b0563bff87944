CREATE TYPE "public"."usage_report_status" AS ENUM('PENDING', 'SENT', 'FAILED', 'TOO_OLD');--> statement-breakpoint
CREATE TABLE "local_meter_events" (
	"identifier" text PRIMARY KEY NOT NULL,
	"event_name" text NOT NULL,
	"license_id" text NOT NULL,
	"organization_id" text NOT NULL,
	"value" text NOT NULL,
	"quantity" double precision NOT NULL,
	"event_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_reports" (
	"identifier" text PRIMARY KEY NOT NULL,
	"license_id" text NOT NULL,
	"offer_id" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"sequence" integer NOT NULL,
	"billing_mode" "billing_mode" NOT NULL,
	"event_name" text NOT NULL,
	"usage_unit" "usage_unit" NOT NULL,
	"quantity" double precision NOT NULL,
	"value" text NOT NULL,
	"bytes" bigint NOT NULL,
	"rows" bigint NOT NULL,
	"requests" bigint NOT NULL,
	"status" "usage_report_status" NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_windows" (
	"license_id" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"bytes" bigint NOT NULL,
	"rows" bigint NOT NULL,
	"requests" bigint NOT NULL,
	"sequence" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "usage_windows_license_id_window_start_pk" PRIMARY KEY("license_id","window_start")
);
--> statement-breakpoint
ALTER TABLE "usage_reports" ADD CONSTRAINT "usage_reports_license_id_licenses_id_fk" FOREIGN KEY ("license_id") REFERENCES "public"."licenses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_windows" ADD CONSTRAINT "usage_windows_license_id_licenses_id_fk" FOREIGN KEY ("license_id") REFERENCES "public"."licenses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "local_meter_events_license_idx" ON "local_meter_events" USING btree ("license_id","event_at");--> statement-breakpoint
CREATE UNIQUE INDEX "usage_reports_window_sequence_key" ON "usage_reports" USING btree ("license_id","window_start","sequence");--> statement-breakpoint
CREATE INDEX "usage_reports_due_idx" ON "usage_reports" USING btree ("next_attempt_at") WHERE "usage_reports"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX "usage_reports_license_idx" ON "usage_reports" USING btree ("license_id","window_start");