-- Squawk constraint-missing-not-valid (same transaction), strong_migrations validate_* in the DDL transaction.
BEGIN;
-- expect: safe
SET LOCAL lock_timeout = '2s';
-- expect: safe
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0) NOT VALID;
-- expect: risky
ALTER TABLE payments VALIDATE CONSTRAINT payments_amount_positive;
-- expect: safe
COMMIT;
