-- Squawk require-lock-timeout, Eugene E9, pgfence missing-lock-timeout: a lock with no timeout queues
-- every query on the table behind it while it waits.
-- expect: risky
ALTER TABLE orders ADD COLUMN gift_note text;
-- expect: safe
SET lock_timeout = '2s';
-- expect: safe
ALTER TABLE orders ADD COLUMN gift_wrap boolean;
