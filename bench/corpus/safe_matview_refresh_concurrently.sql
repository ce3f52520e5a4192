-- expect: safe
-- family: partitions
-- source: https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html (CONCURRENTLY)
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_revenue;
