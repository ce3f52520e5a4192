-- expect: safe
-- family: transactions
-- source: https://www.postgresql.org/docs/current/sql-altertype.html (ADD VALUE outside a transaction block)
ALTER TYPE ticket_state ADD VALUE IF NOT EXISTS 'on_hold';
