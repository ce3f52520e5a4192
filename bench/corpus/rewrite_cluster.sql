-- expect: risky
-- family: rewrites
-- source: https://www.postgresql.org/docs/current/sql-cluster.html (ACCESS EXCLUSIVE while it rewrites)
CLUSTER order_events USING order_events_created_idx;
