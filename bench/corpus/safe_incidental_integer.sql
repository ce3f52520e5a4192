-- expect: safe
-- family: schema
-- source: https://github.com/sbdchd/squawk (prefer-bigint-over-int reports every integer column, keys or not)
SET lock_timeout = '2s';
ALTER TABLE products ADD COLUMN stock_count integer NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN shelf smallint;
