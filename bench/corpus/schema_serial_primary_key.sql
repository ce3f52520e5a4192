-- expect: risky
-- family: schema
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (integer column type: bigint for primary keys)
CREATE TABLE page_views (id serial PRIMARY KEY, path text NOT NULL);
