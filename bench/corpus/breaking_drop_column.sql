-- expect: risky
-- family: breaking
-- source: https://atlasgo.io/lint/analyzers (DS103 drop column) / https://docs.gitlab.com/ee/development/database/avoiding_downtime_in_migrations.html (dropping columns)
SET lock_timeout = '2s';
ALTER TABLE users DROP COLUMN legacy_token;
