-- expect: safe
-- family: transactions
-- source: https://www.postgresql.org/docs/current/sql-begin.html
BEGIN;
SET lock_timeout = '2s';
ALTER TABLE labels ADD COLUMN icon text;
COMMIT;
