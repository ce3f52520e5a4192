-- expect: risky
-- family: constraints
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (SET NOT NULL scans the table unless a valid CHECK proves it)
SET lock_timeout = '2s';
ALTER TABLE customers ALTER COLUMN email SET NOT NULL;
