-- expect: risky
-- family: indexes
-- source: https://www.postgresql.org/docs/current/sql-createindex.html (a plain build locks out writes)
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
