-- migrate:up transaction:false
CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);

-- migrate:down
DROP INDEX CONCURRENTLY accounts_email_key;
