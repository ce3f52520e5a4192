-- expect: safe
-- family: indexes
-- source: https://www.postgresql.org/docs/current/sql-reindex.html (REINDEX CONCURRENTLY)
REINDEX INDEX CONCURRENTLY orders_placed_at_idx;
