CREATE TYPE "public"."collapse_risk_level" AS ENUM('LOW', 'MEDIUM', 'HIGH');--> statement-breakpoint
CREATE TYPE "public"."derivation_basis" AS ENUM('OWNER', 'OPEN_TERMS', 'LICENSE');--> statement-breakpoint
CREATE TYPE "public"."lineage_source_role" AS ENUM('SEED', 'REFERENCE', 'GENERATOR_TRAINING_DATA', 'FILTER_MODEL', 'EVALUATION');--> statement-breakpoint
CREATE TYPE "public"."quality_attestation" AS ENUM('VENDOR', 'THIRD_PARTY');--> statement-breakpoint
CREATE TYPE "public"."billing_interval" AS ENUM('MONTHLY', 'YEARLY');--> statement-breakpoint
CREATE TYPE "public"."pricing_model" AS ENUM('FREE', 'ONE_TIME', 'SUBSCRIPTION', 'USAGE');--> statement-breakpoint
CREATE TYPE "public"."usage_unit" AS ENUM('GIGABYTE', 'THOUSAND_ROWS', 'REQUEST');--> statement-breakpoint
CREATE TYPE "public"."version_scope" AS ENUM('ALL', 'LATEST_AT_PURCHASE', 'PINNED');--> statement-breakpoint
CREATE TYPE "public"."billing_mode" AS ENUM('LOCAL', 'STRIPE');--> statement-breakpoint
CREATE TYPE "public"."license_status" AS ENUM('PENDING_APPROVAL', 'PENDING_PAYMENT', 'ACTIVE', 'PAST_DUE', 'SUSPENDED', 'EXPIRED', 'REVOKED', 'CANCELED');--> statement-breakpoint
CREATE TYPE "public"."ledger_entry_kind" AS ENUM('PLATFORM_FEE', 'VENDOR_SHARE', 'ROYALTY');--> statement-breakpoint
CREATE TYPE "public"."ledger_entry_status" AS ENUM('RETAINED', 'PAID_BY_CHARGE', 'TRANSFER_PENDING', 'TRANSFERRED', 'BALANCE', 'LOCAL');--> statement-breakpoint
CREATE TABLE "lineage_closure" (
	"ancestor_id" text NOT NULL,
	"descendant_id" text NOT NULL,
	"depth" integer NOT NULL,
	CONSTRAINT "lineage_closure_pkey" PRIMARY KEY("descendant_id","ancestor_id"),
	CONSTRAINT "lineage_closure_depth_check" CHECK ("lineage_closure"."depth" >= 0)
);
--> statement-breakpoint
CREATE TABLE "lineage_edges" (
	"version_id" text NOT NULL,
	"source_version_id" text NOT NULL,
	"role" "lineage_source_role" NOT NULL,
	"rows_used" bigint NOT NULL,
	"basis" "derivation_basis" NOT NULL,
	"license_id" text,
	CONSTRAINT "lineage_edges_pkey" PRIMARY KEY("version_id","source_version_id"),
	CONSTRAINT "lineage_edges_rows_used_check" CHECK ("lineage_edges"."rows_used" >= 0),
	CONSTRAINT "lineage_edges_no_self_check" CHECK ("lineage_edges"."version_id" <> "lineage_edges"."source_version_id")
);
--> statement-breakpoint
CREATE TABLE "quality_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"version_id" text NOT NULL,
	"fidelity" double precision,
	"distance_to_closest_record" double precision,
	"membership_inference_risk" double precision,
	"dedup_pass_rate" double precision,
	"filter_pass_rate" double precision,
	"fact_check_rate" double precision,
	"hallucination_rate" double precision,
	"produced_by" text NOT NULL,
	"attestation" "quality_attestation" NOT NULL,
	"report_url" text,
	"notes" text,
	"attached_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "quality_reports_rates_check" CHECK ("quality_reports"."fidelity" BETWEEN 0 AND 1 AND "quality_reports"."membership_inference_risk" BETWEEN 0 AND 1 AND "quality_reports"."dedup_pass_rate" BETWEEN 0 AND 1 AND "quality_reports"."filter_pass_rate" BETWEEN 0 AND 1 AND "quality_reports"."fact_check_rate" BETWEEN 0 AND 1 AND "quality_reports"."hallucination_rate" BETWEEN 0 AND 1 AND "quality_reports"."distance_to_closest_record" >= 0)
);
--> statement-breakpoint
CREATE TABLE "version_lineage" (
	"version_id" text PRIMARY KEY NOT NULL,
	"generation_depth" integer NOT NULL,
	"real_fraction" double precision NOT NULL,
	"human_reviewed_fraction" double precision NOT NULL,
	"own_terms" jsonb NOT NULL,
	"inherited_terms" jsonb NOT NULL,
	"attribution_label" text NOT NULL,
	"attributions" text[] NOT NULL,
	"real_root_ids" text[] NOT NULL,
	"collapse_risk" "collapse_risk_level" NOT NULL,
	"collapse_reasons" text[] NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "version_lineage_depth_check" CHECK ("version_lineage"."generation_depth" >= 0),
	CONSTRAINT "version_lineage_real_fraction_check" CHECK ("version_lineage"."real_fraction" BETWEEN 0 AND 1),
	CONSTRAINT "version_lineage_reviewed_fraction_check" CHECK ("version_lineage"."human_reviewed_fraction" BETWEEN 0 AND 1)
);
--> statement-breakpoint
CREATE TABLE "version_provenance" (
	"version_id" text PRIMARY KEY NOT NULL,
	"provenance" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "access_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"license_id" text NOT NULL,
	"organization_id" text NOT NULL,
	"created_by" text NOT NULL,
	"kid" text NOT NULL,
	"scopes" text[] NOT NULL,
	"version_ids" text[] NOT NULL,
	"description" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "access_denials" (
	"id" text PRIMARY KEY NOT NULL,
	"status" integer NOT NULL,
	"reason" text NOT NULL,
	"license_id" text,
	"token_id" text,
	"version_id" text,
	"file_path" text,
	"client_address" text,
	"denied_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stored_blobs" (
	"version_id" text NOT NULL,
	"sha256" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"storage_key" text NOT NULL,
	"stored_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stored_blobs_version_id_sha256_pk" PRIMARY KEY("version_id","sha256")
);
--> statement-breakpoint
CREATE TABLE "uploads" (
	"id" text PRIMARY KEY NOT NULL,
	"version_id" text NOT NULL,
	"path" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "usage_events" (
	"id" text PRIMARY KEY NOT NULL,
	"license_id" text NOT NULL,
	"token_id" text NOT NULL,
	"organization_id" text NOT NULL,
	"version_id" text NOT NULL,
	"file_path" text NOT NULL,
	"bytes" bigint NOT NULL,
	"rows" bigint NOT NULL,
	"range_start" bigint,
	"range_end" bigint,
	"status" integer NOT NULL,
	"client_address" text,
	"served_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "offers" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"vendor_id" text NOT NULL,
	"name" text NOT NULL,
	"pricing_model" "pricing_model" NOT NULL,
	"currency" text,
	"amount_cents" integer,
	"term_days" integer,
	"billing_interval" "billing_interval",
	"usage_unit" "usage_unit",
	"unit_amount_cents" integer,
	"included_units" double precision,
	"usage_cap" double precision,
	"spdx_id" text,
	"commercial_use" boolean NOT NULL,
	"model_training" boolean NOT NULL,
	"derivatives" boolean NOT NULL,
	"synthetic_generation" boolean NOT NULL,
	"redistribution" boolean NOT NULL,
	"attribution_required" boolean NOT NULL,
	"version_scope" "version_scope" NOT NULL,
	"pinned_version_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"requires_approval" boolean DEFAULT false NOT NULL,
	"royalty_bps" integer,
	"active" boolean DEFAULT true NOT NULL,
	"archived_at" timestamp with time zone,
	"stripe_meter_id" text,
	"stripe_price_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "offers_pricing_fields_check" CHECK (CASE "offers"."pricing_model"
        WHEN 'FREE' THEN "offers"."currency" IS NULL AND "offers"."amount_cents" IS NULL AND "offers"."billing_interval" IS NULL AND "offers"."usage_unit" IS NULL
        WHEN 'ONE_TIME' THEN "offers"."currency" IS NOT NULL AND "offers"."amount_cents" > 0 AND "offers"."billing_interval" IS NULL AND "offers"."usage_unit" IS NULL
        WHEN 'SUBSCRIPTION' THEN "offers"."currency" IS NOT NULL AND "offers"."amount_cents" > 0 AND "offers"."billing_interval" IS NOT NULL AND "offers"."usage_unit" IS NULL AND "offers"."term_days" IS NULL
        WHEN 'USAGE' THEN "offers"."currency" IS NOT NULL AND "offers"."usage_unit" IS NOT NULL AND "offers"."unit_amount_cents" > 0 AND "offers"."amount_cents" IS NULL AND "offers"."term_days" IS NULL
      END),
	CONSTRAINT "offers_royalty_check" CHECK ("offers"."royalty_bps" IS NULL OR "offers"."royalty_bps" BETWEEN 1 AND 10000),
	CONSTRAINT "offers_pinned_check" CHECK (("offers"."version_scope" = 'PINNED') = (cardinality("offers"."pinned_version_ids") > 0))
);
--> statement-breakpoint
CREATE TABLE "licenses" (
	"id" text PRIMARY KEY NOT NULL,
	"offer_id" text NOT NULL,
	"dataset_id" text NOT NULL,
	"vendor_id" text NOT NULL,
	"licensee_id" text NOT NULL,
	"purchased_by" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"status" "license_status" NOT NULL,
	"billing_mode" "billing_mode" NOT NULL,
	"pricing_model" "pricing_model" NOT NULL,
	"currency" text,
	"amount_cents" integer,
	"term_days" integer,
	"billing_interval" "billing_interval",
	"usage_unit" "usage_unit",
	"unit_amount_cents" integer,
	"included_units" double precision,
	"usage_cap" double precision,
	"spdx_id" text,
	"commercial_use" boolean NOT NULL,
	"model_training" boolean NOT NULL,
	"derivatives" boolean NOT NULL,
	"synthetic_generation" boolean NOT NULL,
	"redistribution" boolean NOT NULL,
	"attribution_required" boolean NOT NULL,
	"version_scope" "version_scope" NOT NULL,
	"version_ids" text[],
	"royalty_bps" integer,
	"requested_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"rejection_reason" text,
	"starts_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"canceled_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revocation_reason" text,
	"success_url" text,
	"cancel_url" text,
	"checkout_url" text,
	"stripe_checkout_session_id" text,
	"stripe_subscription_id" text,
	"stripe_customer_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_customers" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"stripe_customer_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"kind" "ledger_entry_kind" NOT NULL,
	"organization_id" text,
	"source_dataset_id" text,
	"basis_points" integer NOT NULL,
	"amount_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"status" "ledger_entry_status" NOT NULL,
	"stripe_transfer_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_entries_amount_check" CHECK ("ledger_entries"."amount_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" text PRIMARY KEY NOT NULL,
	"license_id" text NOT NULL,
	"mode" "billing_mode" NOT NULL,
	"amount_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"stripe_charge_id" text,
	"transfer_group" text NOT NULL,
	"settled_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payments_amount_check" CHECK ("payments"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "payout_accounts" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"mode" "billing_mode" NOT NULL,
	"stripe_account_id" text,
	"charges_enabled" boolean DEFAULT false NOT NULL,
	"payouts_enabled" boolean DEFAULT false NOT NULL,
	"details_submitted" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"object_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_chain_head" (
	"id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"kid" text NOT NULL,
	"signature" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"action" text NOT NULL,
	"actor_user_id" text,
	"actor_organization_id" text,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"organization_ids" text[] NOT NULL,
	"dataset_id" text,
	"license_id" text,
	"client_address" text,
	"request_id" text,
	"details" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "lineage_generation_depth" integer;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "lineage_real_fraction" double precision;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "lineage_permissions" text[];--> statement-breakpoint
ALTER TABLE "lineage_closure" ADD CONSTRAINT "lineage_closure_ancestor_id_dataset_versions_id_fk" FOREIGN KEY ("ancestor_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lineage_closure" ADD CONSTRAINT "lineage_closure_descendant_id_dataset_versions_id_fk" FOREIGN KEY ("descendant_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lineage_edges" ADD CONSTRAINT "lineage_edges_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lineage_edges" ADD CONSTRAINT "lineage_edges_source_version_id_dataset_versions_id_fk" FOREIGN KEY ("source_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quality_reports" ADD CONSTRAINT "quality_reports_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quality_reports" ADD CONSTRAINT "quality_reports_attached_by_users_id_fk" FOREIGN KEY ("attached_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_lineage" ADD CONSTRAINT "version_lineage_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_provenance" ADD CONSTRAINT "version_provenance_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_tokens" ADD CONSTRAINT "access_tokens_license_id_licenses_id_fk" FOREIGN KEY ("license_id") REFERENCES "public"."licenses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_tokens" ADD CONSTRAINT "access_tokens_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_tokens" ADD CONSTRAINT "access_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_blobs" ADD CONSTRAINT "stored_blobs_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_vendor_id_organizations_id_fk" FOREIGN KEY ("vendor_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_vendor_id_organizations_id_fk" FOREIGN KEY ("vendor_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_licensee_id_organizations_id_fk" FOREIGN KEY ("licensee_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_purchased_by_users_id_fk" FOREIGN KEY ("purchased_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_customers" ADD CONSTRAINT "billing_customers_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_license_id_licenses_id_fk" FOREIGN KEY ("license_id") REFERENCES "public"."licenses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_accounts" ADD CONSTRAINT "payout_accounts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lineage_closure_ancestor_idx" ON "lineage_closure" USING btree ("ancestor_id","depth","descendant_id");--> statement-breakpoint
CREATE INDEX "lineage_edges_source_idx" ON "lineage_edges" USING btree ("source_version_id");--> statement-breakpoint
CREATE INDEX "quality_reports_version_idx" ON "quality_reports" USING btree ("version_id","id");--> statement-breakpoint
CREATE INDEX "access_tokens_license_idx" ON "access_tokens" USING btree ("license_id","id");--> statement-breakpoint
CREATE INDEX "access_tokens_org_idx" ON "access_tokens" USING btree ("organization_id","id");--> statement-breakpoint
CREATE INDEX "access_denials_license_idx" ON "access_denials" USING btree ("license_id","denied_at");--> statement-breakpoint
CREATE INDEX "uploads_version_idx" ON "uploads" USING btree ("version_id");--> statement-breakpoint
CREATE INDEX "usage_events_license_idx" ON "usage_events" USING btree ("license_id","served_at");--> statement-breakpoint
CREATE INDEX "usage_events_token_idx" ON "usage_events" USING btree ("token_id");--> statement-breakpoint
CREATE INDEX "offers_dataset_idx" ON "offers" USING btree ("dataset_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "licenses_idempotency_key" ON "licenses" USING btree ("licensee_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "licenses_one_live_per_offer_key" ON "licenses" USING btree ("licensee_id","offer_id") WHERE "licenses"."status" IN ('PENDING_APPROVAL', 'PENDING_PAYMENT', 'ACTIVE', 'PAST_DUE');--> statement-breakpoint
CREATE UNIQUE INDEX "licenses_checkout_session_key" ON "licenses" USING btree ("stripe_checkout_session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "licenses_subscription_key" ON "licenses" USING btree ("stripe_subscription_id");--> statement-breakpoint
CREATE INDEX "licenses_licensee_idx" ON "licenses" USING btree ("licensee_id","id");--> statement-breakpoint
CREATE INDEX "licenses_vendor_idx" ON "licenses" USING btree ("vendor_id","id");--> statement-breakpoint
CREATE INDEX "licenses_offer_idx" ON "licenses" USING btree ("offer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_payment_party_key" ON "ledger_entries" USING btree ("payment_id","kind",coalesce("organization_id", ''));--> statement-breakpoint
CREATE INDEX "ledger_entries_organization_idx" ON "ledger_entries" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "payments_license_idx" ON "payments" USING btree ("license_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payout_accounts_stripe_account_key" ON "payout_accounts" USING btree ("stripe_account_id");--> statement-breakpoint
CREATE INDEX "audit_events_id_idx" ON "audit_events" USING btree ("id");--> statement-breakpoint
CREATE INDEX "audit_events_time_idx" ON "audit_events" USING btree ("occurred_at","seq");--> statement-breakpoint
CREATE INDEX "audit_events_orgs_idx" ON "audit_events" USING gin ("organization_ids");--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_user_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_dataset_idx" ON "audit_events" USING btree ("dataset_id","seq") WHERE "audit_events"."dataset_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_events_license_idx" ON "audit_events" USING btree ("license_id","seq") WHERE "audit_events"."license_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("action","seq");--> statement-breakpoint
CREATE INDEX "datasets_lineage_depth_idx" ON "datasets" USING btree ("lineage_generation_depth") WHERE "datasets"."status" = 'PUBLISHED';--> statement-breakpoint
CREATE INDEX "datasets_lineage_real_fraction_idx" ON "datasets" USING btree ("lineage_real_fraction") WHERE "datasets"."status" = 'PUBLISHED';--> statement-breakpoint
CREATE INDEX "datasets_lineage_permissions_idx" ON "datasets" USING gin ("lineage_permissions");