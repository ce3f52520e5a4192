-- expect: risky
-- family: indexes
-- source: https://github.com/ankane/strong_migrations (README, checks) - removing an index non-concurrently
DROP INDEX orders_legacy_idx;
