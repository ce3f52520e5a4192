-- expect: risky
-- family: transactions
-- source: https://www.postgresql.org/docs/current/app-psql.html (a session that ends inside a transaction rolls it back)
BEGIN;
SET lock_timeout = '2s';
ALTER TABLE labels ADD COLUMN color text;
