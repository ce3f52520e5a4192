-- expect: safe
-- family: partitions
-- source: https://www.postgresql.org/docs/current/ddl-partitioning.html (creating a new, empty partition)
CREATE TABLE readings_2027 PARTITION OF readings FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
