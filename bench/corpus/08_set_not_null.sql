-- Squawk adding-not-nullable-field, Eugene E2, Atlas PG303/MF104, strong_migrations change_column_null.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
-- expect: safe
ALTER TABLE accounts ADD CONSTRAINT accounts_owner_not_null CHECK (owner_id IS NOT NULL) NOT VALID;
-- expect: safe
ALTER TABLE accounts VALIDATE CONSTRAINT accounts_owner_not_null;
-- expect: safe
ALTER TABLE accounts ALTER COLUMN owner_id SET NOT NULL;
-- expect: safe
ALTER TABLE accounts DROP CONSTRAINT accounts_owner_not_null;
