-- expect: safe
-- family: constraints
-- source: https://kaveland.no/eugene/hints/E1 (safer migration: NOT VALID, validated later)
SET lock_timeout = '2s';
ALTER TABLE payouts ADD CONSTRAINT payouts_fee_positive CHECK (fee_cents >= 0) NOT VALID;
