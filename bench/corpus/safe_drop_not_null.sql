-- expect: safe
-- family: everyday
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (DROP NOT NULL changes only the catalog)
SET lock_timeout = '2s';
ALTER TABLE projects ALTER COLUMN description DROP NOT NULL;
