-- expect: risky
-- family: syntax
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (synopsis: ADD [ COLUMN ]; written with a misspelled keyword)
SET lock_timeout = '2s';
ALTER TABLE projects ADD COLUMNN owner_id bigint;
