-- expect: risky
-- family: breaking
-- source: https://atlasgo.io/lint/analyzers (BC101 rename table) / https://docs.gitlab.com/ee/development/database/avoiding_downtime_in_migrations.html (renaming tables)
SET lock_timeout = '2s';
ALTER TABLE clients RENAME TO customers_v2;
