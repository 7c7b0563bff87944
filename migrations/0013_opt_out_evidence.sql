CREATE TYPE "public"."opt_out_signal" AS ENUM('ROBOTS_TXT', 'TDMREP', 'AI_PREFERENCES');--> statement-breakpoint
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
ALTER TABLE "opt_out_evidence" ADD CONSTRAINT "opt_out_evidence_version_id_dataset_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;