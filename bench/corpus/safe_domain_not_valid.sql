-- expect: safe
-- family: constraints
-- source: https://www.postgresql.org/docs/current/sql-alterdomain.html (NOT VALID skips the check of existing rows)
SET lock_timeout = '2s';
ALTER DOMAIN postal_code ADD CONSTRAINT postal_code_short CHECK (length(VALUE) <= 10) NOT VALID;
