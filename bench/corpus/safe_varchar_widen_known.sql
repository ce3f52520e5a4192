-- expect: safe
-- family: rewrites
-- source: https://github.com/ankane/strong_migrations (README, checks) - changing the type of a column: increasing the length limit of a varchar is safe
SET lock_timeout = '2s';
ALTER TABLE tenants ADD COLUMN slug varchar(40);
ALTER TABLE tenants ALTER COLUMN slug TYPE varchar(80);
