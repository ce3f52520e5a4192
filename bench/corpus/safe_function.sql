-- expect: safe
-- family: everyday
-- source: https://www.postgresql.org/docs/current/sql-createfunction.html
CREATE OR REPLACE FUNCTION project_slug(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(replace(name, ' ', '-')) $$;
