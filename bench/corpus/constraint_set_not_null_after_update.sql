-- expect: risky
-- family: constraints
-- source: https://github.com/ankane/strong_migrations (README, checks) - using change_column_null with a default value (UPDATE, then SET NOT NULL)
SET lock_timeout = '2s';
UPDATE members SET nickname = '' WHERE nickname IS NULL;
ALTER TABLE members ALTER COLUMN nickname SET NOT NULL;
