-- expect: risky
-- family: breaking
-- source: https://www.postgresql.org/docs/current/sql-dropdatabase.html (removes the data; cannot run in a transaction)
DROP DATABASE reporting_copy;
