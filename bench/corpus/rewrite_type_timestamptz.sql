-- expect: risky
-- family: rewrites
-- source: https://kaveland.no/eugene/hints/E5 (type change that rewrites the table)
SET lock_timeout = '2s';
ALTER TABLE audit_events ALTER COLUMN happened TYPE timestamptz;
