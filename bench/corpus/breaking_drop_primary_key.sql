-- expect: risky
-- family: breaking
-- source: https://www.postgresql.org/docs/current/logical-replication-publication.html (without a replica identity, UPDATE and DELETE fail on a published table)
SET lock_timeout = '2s';
ALTER TABLE orders DROP CONSTRAINT orders_pkey;
