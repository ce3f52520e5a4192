-- expect: risky
-- family: transactions
-- source: https://www.postgresql.org/docs/current/sql-truncate.html (ACCESS EXCLUSIVE, data gone)
TRUNCATE TABLE rate_limits;
