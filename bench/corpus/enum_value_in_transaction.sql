-- expect: risky
-- family: transactions
-- source: https://www.postgresql.org/docs/current/sql-altertype.html (a new enum value cannot be used in the transaction that adds it)
BEGIN;
ALTER TYPE ticket_state ADD VALUE 'escalated';
UPDATE tickets SET state = 'escalated' WHERE priority = 1;
COMMIT;
