-- expect: risky
-- family: rewrites
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (Notes: a volatile DEFAULT rewrites the table)
SET lock_timeout = '2s';
ALTER TABLE shipments ADD COLUMN tracking_token uuid DEFAULT gen_random_uuid();
