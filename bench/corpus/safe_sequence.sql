-- expect: safe
-- family: everyday
-- source: https://www.postgresql.org/docs/current/sql-createsequence.html
CREATE SEQUENCE IF NOT EXISTS invoice_numbers AS bigint START 1000;
