-- expect: safe
-- family: everyday
-- source: https://www.postgresql.org/docs/current/sql-grant.html
GRANT SELECT ON active_projects TO reporting;
