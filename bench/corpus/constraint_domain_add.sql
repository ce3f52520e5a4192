-- expect: risky
-- family: constraints
-- source: https://www.postgresql.org/docs/current/sql-alterdomain.html (ADD CONSTRAINT checks every column of the domain)
SET lock_timeout = '2s';
ALTER DOMAIN postal_code ADD CONSTRAINT postal_code_format CHECK (VALUE ~ '^[0-9]{5}$');
