SET lock_timeout = '2s';
CREATE INDEX accounts_email_idx ON accounts (email);
