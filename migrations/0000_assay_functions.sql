-- Custom migration (drizzle-kit generate --custom): functions the generated schema relies on.
-- array_to_string is only STABLE, but for text[] it is deterministic; a generated tsvector column needs IMMUTABLE.
CREATE OR REPLACE FUNCTION assay_tags_text(tags text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_to_string(tags, ' '), '') $$;
