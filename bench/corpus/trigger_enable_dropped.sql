-- expect: risky
-- family: transactions
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (ENABLE TRIGGER names an existing trigger)
SET lock_timeout = '2s';
DROP TRIGGER payments_audit ON payments;
ALTER TABLE payments ENABLE TRIGGER payments_audit;
