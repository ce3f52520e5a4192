-- expect: safe
-- family: indexes
-- source: https://www.postgresql.org/docs/current/sql-createindex.html (Building Indexes Concurrently)
CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);
