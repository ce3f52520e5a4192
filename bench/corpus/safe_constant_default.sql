-- expect: safe
-- family: rewrites
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (Notes: a non-volatile DEFAULT since PostgreSQL 11 needs no rewrite)
SET lock_timeout = '2s';
ALTER TABLE invoices ADD COLUMN archived boolean NOT NULL DEFAULT false;
