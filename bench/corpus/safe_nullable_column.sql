-- expect: safe
-- family: everyday
-- source: https://docs.gitlab.com/ee/development/database/avoiding_downtime_in_migrations.html (adding columns: a nullable column without a default)
SET lock_timeout = '2s';
ALTER TABLE projects ADD COLUMN archived_at timestamptz;
