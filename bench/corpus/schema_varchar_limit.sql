-- expect: risky
-- family: schema
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (strings: text with a length CHECK instead of varchar(n))
CREATE TABLE countries (code char(2) PRIMARY KEY, name varchar(100) NOT NULL);
