-- expect: risky
-- family: breaking
-- source: https://www.postgresql.org/docs/current/sql-alterschema.html (every object moves with the schema)
ALTER SCHEMA billing RENAME TO finance;
