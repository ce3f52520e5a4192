-- expect: risky
-- family: indexes
-- source: https://atlasgo.io/lint/analyzers (MF101: a unique index on existing columns fails on duplicates; non-concurrent locks writes)
CREATE UNIQUE INDEX accounts_email_idx ON accounts (lower(email));
