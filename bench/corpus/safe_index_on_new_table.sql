-- expect: safe
-- family: indexes
-- source: https://github.com/sbdchd/squawk/issues/349 (an index right after its table was reported)
CREATE TABLE newsletters (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
CREATE UNIQUE INDEX newsletters_email_idx ON newsletters (email);
