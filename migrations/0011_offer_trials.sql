ALTER TABLE "offers" ADD COLUMN "trial_days" integer;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "visible_to" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "trial_days" integer;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "trial_ends_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "trial_reminder_sent_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "licenses_trial_reminder_idx" ON "licenses" USING btree ("trial_ends_at") WHERE "licenses"."trial_ends_at" IS NOT NULL AND "licenses"."trial_reminder_sent_at" IS NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_trial_check" CHECK ("offers"."trial_days" IS NULL OR ("offers"."trial_days" BETWEEN 1 AND 365 AND "offers"."pricing_model" IN ('SUBSCRIPTION', 'USAGE')));