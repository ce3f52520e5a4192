CREATE TABLE users (id bigserial PRIMARY KEY, full_name text NOT NULL, legacy_flag boolean);
CREATE INDEX users_full_name_idx ON users (full_name);
