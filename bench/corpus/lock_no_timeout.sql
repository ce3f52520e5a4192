-- expect: risky
-- family: transactions
-- source: https://kaveland.no/eugene/hints/E9 (taking a dangerous lock without a lock_timeout)
ALTER TABLE authors ADD COLUMN bio text;
