-- expect: risky
-- family: schema
-- source: https://github.com/ankane/strong_migrations (README, checks) - adding a json column / https://kaveland.no/eugene/hints/E3
SET lock_timeout = '2s';
ALTER TABLE webhooks ADD COLUMN payload json;
