-- Squawk disallowed-unique-constraint / adding-serial-primary-key-field, Eugene E7, Atlas PG104/PG105.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE users ADD CONSTRAINT users_handle_key UNIQUE (handle);
-- expect: risky
ALTER TABLE events ADD PRIMARY KEY (id);
-- expect: risky
ALTER TABLE users ADD COLUMN external_ref text UNIQUE;
-- expect: safe
CREATE UNIQUE INDEX CONCURRENTLY users_login_key ON users (login);
-- expect: safe
ALTER TABLE users ADD CONSTRAINT users_login_key UNIQUE USING INDEX users_login_key;
