-- expect: safe
-- family: rewrites
-- source: https://github.com/ankane/strong_migrations (README, checks) - changing the type of a column: varchar to text is safe (old type not in the file)
SET lock_timeout = '2s';
ALTER TABLE products ALTER COLUMN title TYPE text;
