ALTER TABLE "offers" ADD COLUMN "access_questions" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "licenses" ADD COLUMN "access_answers" jsonb;