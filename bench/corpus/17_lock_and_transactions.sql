-- Eugene E4 (statements after ACCESS EXCLUSIVE), pgfence wide-lock-window, strong_migrations backfill advice.
BEGIN;
-- expect: safe
SET LOCAL lock_timeout = '2s';
-- expect: safe
ALTER TABLE orders ADD COLUMN total_cents bigint;
-- expect: risky
UPDATE orders SET total_cents = total * 100;
-- expect: safe
COMMIT;
BEGIN;
-- expect: risky
LOCK TABLE inventory IN ACCESS EXCLUSIVE MODE;
-- expect: safe
COMMIT;
