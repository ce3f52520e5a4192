-- expect: risky
-- family: transactions
-- source: https://www.postgresql.org/docs/current/explicit-locking.html (LOCK TABLE in ACCESS EXCLUSIVE mode)
BEGIN;
LOCK TABLE ledgers IN ACCESS EXCLUSIVE MODE;
UPDATE ledgers SET balance = 0 WHERE id = 7;
COMMIT;
