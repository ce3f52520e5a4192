CREATE TABLE addresses (
    id serial PRIMARY KEY,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    street text,
    verified_at timestamp
);
INSERT INTO addresses (user_id, street) SELECT id, street FROM users;
ALTER TABLE users DROP COLUMN street;
