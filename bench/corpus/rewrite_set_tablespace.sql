-- expect: risky
-- family: rewrites
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (SET TABLESPACE moves the data files under ACCESS EXCLUSIVE)
SET lock_timeout = '2s';
ALTER TABLE archive_rows SET TABLESPACE slow_disks;
