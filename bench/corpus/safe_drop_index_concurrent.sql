-- expect: safe
-- family: indexes
-- source: https://www.postgresql.org/docs/current/sql-dropindex.html (CONCURRENTLY)
DROP INDEX CONCURRENTLY IF EXISTS orders_unused_idx;
