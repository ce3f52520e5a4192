-- expect: safe
-- family: indexes
-- source: https://github.com/ankane/strong_migrations (README, checks) - adding a reference (the safe way: no validation, concurrent index)
SET lock_timeout = '2s';
ALTER TABLE tickets ADD COLUMN reviewer_id bigint;
ALTER TABLE tickets ADD CONSTRAINT tickets_reviewer_fk FOREIGN KEY (reviewer_id) REFERENCES agents (id) NOT VALID;
CREATE INDEX CONCURRENTLY tickets_reviewer_idx ON tickets (reviewer_id);
