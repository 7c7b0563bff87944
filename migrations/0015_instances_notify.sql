-- Custom migration (drizzle-kit generate --custom): what several server processes on one database share.
-- Every change to state the download gate caches (tokens, licenses, listings, versions, their files and blobs)
-- notifies channel assay_gate with '<kind>:<id>', from the changing transaction itself: PostgreSQL delivers it to
-- every listening process when (and only if) that transaction commits, whichever code path made the change.
CREATE OR REPLACE FUNCTION assay_notify_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed jsonb;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := to_jsonb(OLD); ELSE changed := to_jsonb(NEW); END IF;
  PERFORM pg_notify('assay_gate', TG_ARGV[0] || ':' || (changed ->> TG_ARGV[1]));
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER access_tokens_notify_gate AFTER INSERT OR UPDATE OR DELETE ON access_tokens
  FOR EACH ROW EXECUTE FUNCTION assay_notify_gate('token', 'id');
--> statement-breakpoint
CREATE TRIGGER licenses_notify_gate AFTER INSERT OR UPDATE OR DELETE ON licenses
  FOR EACH ROW EXECUTE FUNCTION assay_notify_gate('license', 'id');
--> statement-breakpoint
CREATE TRIGGER datasets_notify_gate AFTER INSERT OR UPDATE OR DELETE ON datasets
  FOR EACH ROW EXECUTE FUNCTION assay_notify_gate('dataset', 'id');
--> statement-breakpoint
CREATE TRIGGER dataset_versions_notify_gate AFTER INSERT OR UPDATE OR DELETE ON dataset_versions
  FOR EACH ROW EXECUTE FUNCTION assay_notify_gate('version', 'id');
--> statement-breakpoint
CREATE TRIGGER data_files_notify_gate AFTER INSERT OR UPDATE OR DELETE ON data_files
  FOR EACH ROW EXECUTE FUNCTION assay_notify_gate('version', 'version_id');
--> statement-breakpoint
CREATE TRIGGER stored_blobs_notify_gate AFTER INSERT OR UPDATE OR DELETE ON stored_blobs
  FOR EACH ROW EXECUTE FUNCTION assay_notify_gate('version', 'version_id');
--> statement-breakpoint
-- Rate-limit counters are rewritten on every request and worthless after a crash: no WAL for them.
ALTER TABLE rate_limit_buckets SET UNLOGGED;
