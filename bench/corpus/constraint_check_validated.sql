-- expect: risky
-- family: constraints
-- source: https://kaveland.no/eugene/hints/E1 (a new constraint that is already VALID)
SET lock_timeout = '2s';
ALTER TABLE payouts ADD CONSTRAINT payouts_amount_positive CHECK (amount_cents > 0);
