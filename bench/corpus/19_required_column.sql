-- Squawk adding-required-field, Atlas MF103: a NOT NULL column without a default fails on a table with rows.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE users ADD COLUMN plan text NOT NULL;
-- expect: safe
ALTER TABLE users ADD COLUMN tier text NOT NULL DEFAULT 'free';
-- expect: safe
ALTER TABLE users ADD COLUMN referral text;
