DROP INDEX "datasets_updated_idx";--> statement-breakpoint
CREATE INDEX "datasets_updated_idx" ON "datasets" USING btree ("updated_at","id");