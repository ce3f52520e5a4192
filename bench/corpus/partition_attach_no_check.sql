-- expect: risky
-- family: partitions
-- source: https://www.postgresql.org/docs/current/ddl-partitioning.html (without a matching CHECK the attached table is scanned under ACCESS EXCLUSIVE)
ALTER TABLE readings ATTACH PARTITION readings_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
