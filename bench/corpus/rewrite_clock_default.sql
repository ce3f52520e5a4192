-- expect: risky
-- family: rewrites
-- source: https://github.com/ankane/strong_migrations (README, checks) - adding a column with a non-constant default
SET lock_timeout = '2s';
ALTER TABLE invoices ADD COLUMN stamped_at timestamptz DEFAULT clock_timestamp();
