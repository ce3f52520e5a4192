-- expect: risky
-- family: partitions
-- source: https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html (WITH NO DATA leaves the view unscannable)
REFRESH MATERIALIZED VIEW daily_revenue WITH NO DATA;
