-- expect: safe
-- family: transactions
-- source: https://kaveland.no/eugene/hints/E9 (safer migration: lock_timeout first)
SET lock_timeout = '2s';
ALTER TABLE authors ADD COLUMN website text;
