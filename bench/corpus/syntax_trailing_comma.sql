-- expect: risky
-- family: syntax
-- source: https://www.postgresql.org/docs/current/sql-createtable.html (synopsis: no trailing comma after the last column)
CREATE TABLE badges (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  label text NOT NULL,
);
