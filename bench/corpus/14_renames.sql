-- Squawk renaming-column / renaming-table, Atlas BC101/BC102, strong_migrations rename_column/rename_table.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE users RENAME COLUMN name TO full_name;
-- expect: risky
ALTER TABLE customers RENAME TO clients;
-- expect: safe
ALTER TABLE users ADD COLUMN display_name text;
-- expect: safe
CREATE TABLE tmp_import (id bigint);
-- expect: safe
ALTER TABLE tmp_import RENAME TO import_batches;
