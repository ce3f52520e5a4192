-- expect: risky
-- family: syntax
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (SET DEFAULT expression; the expression is missing)
SET lock_timeout = '2s';
ALTER TABLE projects ALTER COLUMN name SET DEFAULT;
