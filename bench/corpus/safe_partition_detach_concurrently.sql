-- expect: safe
-- family: partitions
-- source: https://www.postgresql.org/docs/current/sql-altertable.html (DETACH PARTITION … CONCURRENTLY)
ALTER TABLE readings DETACH PARTITION readings_2018 CONCURRENTLY;
