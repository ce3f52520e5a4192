-- expect: risky
-- family: transactions
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (DISABLE TRIGGER ALL also disables foreign-key triggers: integrity is not guaranteed)
SET lock_timeout = '2s';
ALTER TABLE payments DISABLE TRIGGER ALL;
UPDATE payments SET currency = 'EUR' WHERE currency IS NULL;
ALTER TABLE payments ENABLE TRIGGER ALL;
