-- expect: risky
-- family: transactions
-- source: https://github.com/sbdchd/squawk/issues/332 (CONCURRENTLY cannot run inside a transaction block)
BEGIN;
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
COMMIT;
