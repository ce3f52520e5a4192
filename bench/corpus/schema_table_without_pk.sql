-- expect: risky
-- family: schema
-- source: https://www.postgresql.org/docs/current/logical-replication-publication.html (a table without a primary key has no replica identity)
CREATE TABLE tag_links (tag_id bigint NOT NULL, item_id bigint NOT NULL);
