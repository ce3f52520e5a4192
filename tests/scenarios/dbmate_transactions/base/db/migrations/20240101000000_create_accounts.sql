-- migrate:up
CREATE TABLE accounts (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    plan text NOT NULL DEFAULT 'free'
);

-- migrate:down
DROP TABLE accounts;
