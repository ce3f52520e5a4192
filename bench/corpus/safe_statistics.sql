-- expect: safe
-- family: everyday
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (SET STATISTICS takes SHARE UPDATE EXCLUSIVE)
SET lock_timeout = '2s';
ALTER TABLE projects ALTER COLUMN name SET STATISTICS 500;
