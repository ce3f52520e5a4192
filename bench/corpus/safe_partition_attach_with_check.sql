-- expect: safe
-- family: partitions
-- source: https://www.postgresql.org/docs/current/ddl-partitioning.html (a validated CHECK matching the bounds lets the attach skip its scan)
SET lock_timeout = '2s';
ALTER TABLE readings_2026 ADD CONSTRAINT readings_2026_bounds CHECK (taken_on >= DATE '2026-01-01' AND taken_on < DATE '2027-01-01') NOT VALID;
ALTER TABLE readings_2026 VALIDATE CONSTRAINT readings_2026_bounds;
ALTER TABLE readings ATTACH PARTITION readings_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
