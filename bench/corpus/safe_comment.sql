-- expect: safe
-- family: everyday
-- source: https://www.postgresql.org/docs/current/sql-comment.html
COMMENT ON COLUMN projects.visibility IS 'public, internal or private';
