-- expect: safe
-- family: constraints
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE)
SET lock_timeout = '2s';
ALTER TABLE payouts VALIDATE CONSTRAINT payouts_fee_positive;
