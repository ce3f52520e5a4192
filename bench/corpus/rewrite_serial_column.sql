-- expect: risky
-- family: rewrites
-- source: https://kaveland.no/eugene/hints/E11 (adding a SERIAL or GENERATED column)
SET lock_timeout = '2s';
ALTER TABLE visits ADD COLUMN seq bigserial;
