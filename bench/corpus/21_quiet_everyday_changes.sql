-- Everyday changes the peers' guides call safe: new tables, nullable columns, comments, defaults.
SET lock_timeout = '2s';
-- expect: safe
CREATE TABLE audit_entries (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), payload jsonb);
-- expect: safe
CREATE INDEX audit_entries_at_idx ON audit_entries (at);
-- expect: safe
ALTER TABLE users ADD COLUMN last_seen_at timestamptz;
-- expect: safe
ALTER TABLE users ALTER COLUMN last_seen_at SET DEFAULT now();
-- expect: safe
ALTER TABLE users ALTER COLUMN bio DROP NOT NULL;
-- expect: safe
COMMENT ON COLUMN users.last_seen_at IS 'updated by the API';
-- expect: safe
CREATE VIEW active_users AS SELECT id, email FROM users WHERE deleted_at IS NULL;
