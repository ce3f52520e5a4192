-- expect: risky
-- family: partitions
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the parent)
ALTER TABLE readings DETACH PARTITION readings_2019;
