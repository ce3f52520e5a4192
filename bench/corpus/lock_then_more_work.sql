-- expect: risky
-- family: transactions
-- source: https://kaveland.no/eugene/hints/E4 / E10 (more statements after ACCESS EXCLUSIVE, in one transaction)
BEGIN;
SET lock_timeout = '2s';
ALTER TABLE profiles ADD COLUMN score integer;
UPDATE profiles SET score = 0;
COMMIT;
