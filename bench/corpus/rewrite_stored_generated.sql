-- expect: risky
-- family: rewrites
-- source: https://github.com/ankane/strong_migrations (README, checks) - adding a stored generated column
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN total_with_tax numeric GENERATED ALWAYS AS (total * 1.2) STORED;
