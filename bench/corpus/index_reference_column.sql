-- expect: risky
-- family: indexes
-- source: https://github.com/ankane/strong_migrations (README, checks) - adding a reference (column, index and foreign key in one go)
SET lock_timeout = '2s';
ALTER TABLE tickets ADD COLUMN assignee_id bigint REFERENCES agents (id);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id);
