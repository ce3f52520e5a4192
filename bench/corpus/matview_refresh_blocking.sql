-- expect: risky
-- family: partitions
-- source: https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html (without CONCURRENTLY reads of the view are locked out)
REFRESH MATERIALIZED VIEW daily_revenue;
