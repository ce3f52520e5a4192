-- Squawk ban-drop-column / ban-drop-table, Atlas DS102/DS103, strong_migrations remove_column.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE users DROP COLUMN legacy_flag;
-- expect: risky
DROP TABLE sessions_archive;
-- expect: safe
ALTER TABLE users ADD COLUMN tmp_marker int;
-- expect: safe
ALTER TABLE users DROP COLUMN tmp_marker;
-- expect: safe
CREATE TABLE scratch_rows (id int);
-- expect: safe
DROP TABLE scratch_rows;
