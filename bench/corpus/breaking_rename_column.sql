-- expect: risky
-- family: breaking
-- source: https://atlasgo.io/lint/analyzers (BC102 rename column) / https://github.com/ankane/strong_migrations (README, checks) - renaming a column
SET lock_timeout = '2s';
ALTER TABLE orders RENAME COLUMN total TO total_cents;
