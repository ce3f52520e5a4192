-- expect: risky
-- family: breaking
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (REPLICA IDENTITY changes what logical decoding writes)
SET lock_timeout = '2s';
ALTER TABLE orders REPLICA IDENTITY NOTHING;
