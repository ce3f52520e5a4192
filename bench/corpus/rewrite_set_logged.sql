-- expect: risky
-- family: rewrites
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (SET LOGGED / UNLOGGED rewrite the table)
SET lock_timeout = '2s';
ALTER TABLE import_rows SET LOGGED;
