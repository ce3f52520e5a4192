-- expect: risky
-- family: rewrites
-- source: https://www.postgresql.org/docs/current/sql-vacuum.html (FULL takes ACCESS EXCLUSIVE)
VACUUM FULL order_events;
