-- Squawk require-concurrent-index-deletion, Atlas PG102, strong_migrations remove_index.
SET lock_timeout = '2s';
-- expect: risky
DROP INDEX orders_legacy_idx;
-- expect: safe
DROP INDEX CONCURRENTLY IF EXISTS orders_old_status_idx;
-- expect: risky
REINDEX TABLE orders;
-- expect: safe
REINDEX INDEX CONCURRENTLY orders_status_idx;
