-- expect: safe
-- family: breaking
-- source: https://github.com/ankane/strong_migrations (README, checks) - a table created and dropped in one migration has no users yet
CREATE TABLE tmp_mapping (old_id bigint PRIMARY KEY, new_id bigint NOT NULL);
DROP TABLE tmp_mapping;
