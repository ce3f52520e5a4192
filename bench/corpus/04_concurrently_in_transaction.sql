-- Squawk ban-concurrent-index-creation-in-transaction, Atlas PG103: fails inside a transaction block.
BEGIN;
-- expect: safe
SET LOCAL lock_timeout = '2s';
-- expect: risky
CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);
-- expect: safe
COMMIT;
