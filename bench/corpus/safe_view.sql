-- expect: safe
-- family: everyday
-- source: https://www.postgresql.org/docs/current/sql-createview.html
CREATE OR REPLACE VIEW active_projects AS SELECT id, name FROM projects WHERE archived_at IS NULL;
