-- expect: safe
-- family: breaking
-- source: https://docs.gitlab.com/ee/development/database/avoiding_downtime_in_migrations.html (renaming columns: a column no release reads yet)
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN shiping_note text;
ALTER TABLE orders RENAME COLUMN shiping_note TO shipping_note;
