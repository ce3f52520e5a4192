-- Squawk require-concurrent-index-creation, Eugene E6, Atlas PG101, strong_migrations add_index.
SET lock_timeout = '2s';
-- expect: risky
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
-- expect: risky
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
-- expect: risky
CREATE INDEX IF NOT EXISTS events_created_at_idx ON events USING brin (created_at);
-- expect: safe
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
-- expect: safe
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_slug_key ON accounts (slug);
