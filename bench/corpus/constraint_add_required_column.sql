-- expect: risky
-- family: constraints
-- source: https://atlasgo.io/lint/analyzers (MF103: non-nullable column without a default fails on existing rows)
SET lock_timeout = '2s';
ALTER TABLE members ADD COLUMN locale text NOT NULL;
