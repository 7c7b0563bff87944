CREATE TYPE "public"."mix_regime" AS ENUM('ACCUMULATE', 'REPLACE');--> statement-breakpoint
CREATE TABLE "training_mix_components" (
	"mix_id" text NOT NULL,
	"version_id" text NOT NULL,
	"rows" bigint NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "training_mix_components_pkey" PRIMARY KEY("mix_id","version_id"),
	CONSTRAINT "training_mix_components_rows_check" CHECK ("training_mix_components"."rows" > 0)
);
--> statement-breakpoint
CREATE TABLE "training_mixes" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"name" text NOT NULL,
	"regime" "mix_regime" NOT NULL,
	"intended_use" text[] NOT NULL,
	"target_real_fraction" double precision,
	"suggestion_search" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "training_mixes_target_check" CHECK ("training_mixes"."target_real_fraction" IS NULL OR "training_mixes"."target_real_fraction" > 0 AND "training_mixes"."target_real_fraction" < 1)
);
--> statement-breakpoint
CREATE TABLE "coverage_groups" (
	"report_id" text NOT NULL,
	"version_id" text NOT NULL,
	"attribute" text NOT NULL,
	"value" text NOT NULL,
	"count" bigint NOT NULL,
	"share" double precision NOT NULL,
	CONSTRAINT "coverage_groups_pkey" PRIMARY KEY("report_id","value"),
	CONSTRAINT "coverage_groups_count_check" CHECK ("coverage_groups"."count" >= 0 AND "coverage_groups"."share" BETWEEN 0 AND 1)
);
--> statement-breakpoint
CREATE TABLE "coverage_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"version_id" text NOT NULL,
	"attribute" text NOT NULL,
	"groups" jsonb NOT NULL,
	"attested_by" text NOT NULL,
	"attestation" "quality_attestation" NOT NULL,
	"organization_id" text,
	"attached_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "version_lineage" ADD COLUMN "collapse_findings" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "training_mix_components" ADD CONSTRAINT "training_mix_components_mix_id_training_mixes_id_fk" FOREIGN KEY ("mix_id") REFERENCES "public"."training_mixes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_mix_components" ADD CONSTRAINT "training_mix_components_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_mixes" ADD CONSTRAINT "training_mixes_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_mixes" ADD CONSTRAINT "training_mixes_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coverage_groups" ADD CONSTRAINT "coverage_groups_report_id_coverage_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."coverage_reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coverage_groups" ADD CONSTRAINT "coverage_groups_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coverage_reports" ADD CONSTRAINT "coverage_reports_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coverage_reports" ADD CONSTRAINT "coverage_reports_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coverage_reports" ADD CONSTRAINT "coverage_reports_attached_by_users_id_fk" FOREIGN KEY ("attached_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "training_mixes_org_name_key" ON "training_mixes" USING btree ("organization_id","name");--> statement-breakpoint
CREATE INDEX "training_mixes_org_idx" ON "training_mixes" USING btree ("organization_id","id");--> statement-breakpoint
CREATE INDEX "coverage_groups_filter_idx" ON "coverage_groups" USING btree ("attribute","value","version_id");--> statement-breakpoint
CREATE INDEX "coverage_reports_version_idx" ON "coverage_reports" USING btree ("version_id","attribute","created_at" DESC NULLS LAST,"id");