CREATE TYPE "public"."org_role" AS ENUM('OWNER', 'MEMBER');--> statement-breakpoint
CREATE TYPE "public"."organization_kind" AS ENUM('VENDOR', 'BUYER');--> statement-breakpoint
CREATE TYPE "public"."platform_role" AS ENUM('ADMIN', 'AUDITOR');--> statement-breakpoint
CREATE TYPE "public"."vendor_status" AS ENUM('PENDING', 'APPROVED', 'SUSPENDED');--> statement-breakpoint
CREATE TYPE "public"."dataset_kind" AS ENUM('REAL', 'SYNTHETIC', 'HYBRID');--> statement-breakpoint
CREATE TYPE "public"."dataset_status" AS ENUM('DRAFT', 'PUBLISHED', 'SUSPENDED', 'ARCHIVED');--> statement-breakpoint
CREATE TYPE "public"."modality" AS ENUM('TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'TABULAR', 'CODE', 'MULTIMODAL');--> statement-breakpoint
CREATE TYPE "public"."dataset_version_status" AS ENUM('DRAFT', 'PUBLISHED', 'RETRACTED');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"secret_prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" text PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"kind" "organization_kind" NOT NULL,
	"vendor_status" "vendor_status",
	"approved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_vendor_status_check" CHECK (("organizations"."kind" = 'VENDOR') = ("organizations"."vendor_status" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"organization_id" text,
	"org_role" "org_role",
	"platform_role" "platform_role",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_org_role_check" CHECK (("users"."organization_id" IS NULL) = ("users"."org_role" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "data_files" (
	"id" text PRIMARY KEY NOT NULL,
	"version_id" text NOT NULL,
	"path" text NOT NULL,
	"byte_size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"row_count" bigint,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"version" text NOT NULL,
	"status" "dataset_version_status" DEFAULT 'DRAFT' NOT NULL,
	"format" text,
	"columns" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sample" jsonb,
	"changelog" text,
	"row_count" bigint,
	"byte_size" bigint,
	"manifest_sha256" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"retracted_at" timestamp with time zone,
	"retraction_reason" text
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" text PRIMARY KEY NOT NULL,
	"vendor_id" text NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"summary" text,
	"description" text,
	"kind" "dataset_kind" NOT NULL,
	"modality" "modality" NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"spdx_id" text,
	"commercial_use" boolean NOT NULL,
	"model_training" boolean NOT NULL,
	"derivatives" boolean NOT NULL,
	"synthetic_generation" boolean NOT NULL,
	"redistribution" boolean NOT NULL,
	"attribution_required" boolean NOT NULL,
	"status" "dataset_status" DEFAULT 'DRAFT' NOT NULL,
	"latest_version_id" text,
	"suspended_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce("datasets"."title", '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce("datasets"."summary", '')), 'B') || setweight(to_tsvector('english'::regconfig, assay_tags_text("datasets"."tags")), 'B') || setweight(to_tsvector('english'::regconfig, coalesce("datasets"."description", '')), 'C')) STORED
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_files" ADD CONSTRAINT "data_files_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_vendor_id_organizations_id_fk" FOREIGN KEY ("vendor_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_slug_key" ON "organizations" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "users_organization_idx" ON "users" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "data_files_version_path_key" ON "data_files" USING btree ("version_id","path");--> statement-breakpoint
CREATE UNIQUE INDEX "dataset_versions_dataset_version_key" ON "dataset_versions" USING btree ("dataset_id","version");--> statement-breakpoint
CREATE INDEX "dataset_versions_dataset_idx" ON "dataset_versions" USING btree ("dataset_id","created_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_vendor_slug_key" ON "datasets" USING btree ("vendor_id","slug");--> statement-breakpoint
CREATE INDEX "datasets_search_idx" ON "datasets" USING gin ("search");--> statement-breakpoint
CREATE INDEX "datasets_tags_idx" ON "datasets" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "datasets_published_idx" ON "datasets" USING btree ("published_at" DESC NULLS LAST,"id") WHERE "datasets"."status" = 'PUBLISHED';--> statement-breakpoint
CREATE INDEX "datasets_title_idx" ON "datasets" USING btree ("title","id") WHERE "datasets"."status" = 'PUBLISHED';--> statement-breakpoint
CREATE INDEX "datasets_updated_idx" ON "datasets" USING btree ("updated_at" DESC NULLS LAST,"id");