-- expect: safe
-- family: everyday
-- source: https://www.postgresql.org/docs/current/sql-createschema.html
CREATE SCHEMA IF NOT EXISTS staging;
