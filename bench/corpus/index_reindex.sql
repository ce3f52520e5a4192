-- expect: risky
-- family: indexes
-- source: https://www.postgresql.org/docs/current/sql-reindex.html (without CONCURRENTLY it locks out writes)
REINDEX INDEX orders_placed_at_idx;
