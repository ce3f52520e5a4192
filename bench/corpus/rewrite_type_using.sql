-- expect: risky
-- family: rewrites
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (SET DATA TYPE with USING that changes the contents)
SET lock_timeout = '2s';
ALTER TABLE devices ALTER COLUMN serial_no TYPE integer USING serial_no::integer;
