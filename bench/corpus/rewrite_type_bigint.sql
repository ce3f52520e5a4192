-- expect: risky
-- family: rewrites
-- source: https://github.com/ankane/strong_migrations (README, checks) - changing the type of a column
SET lock_timeout = '2s';
ALTER TABLE line_items ALTER COLUMN quantity TYPE bigint;
