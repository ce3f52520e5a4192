-- Squawk changing-column-type, Eugene E5, Atlas PG301, strong_migrations change_column (and its list of
-- changes PostgreSQL makes without a rewrite).
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE orders ALTER COLUMN id TYPE bigint;
-- expect: risky
ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::order_status;
-- expect: risky
ALTER TABLE users ALTER COLUMN age TYPE smallint;
-- expect: safe
ALTER TABLE users ADD COLUMN nickname varchar(20);
-- expect: safe
ALTER TABLE users ALTER COLUMN nickname TYPE varchar(64);
-- expect: safe
ALTER TABLE users ALTER COLUMN nickname TYPE text;
-- expect: safe
ALTER TABLE users ADD COLUMN balance numeric(10,2);
-- expect: safe
ALTER TABLE users ALTER COLUMN balance TYPE numeric(14,2);
-- expect: risky
ALTER TABLE users ALTER COLUMN balance TYPE numeric(14,4);
