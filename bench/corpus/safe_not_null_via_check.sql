-- expect: safe
-- family: constraints
-- source: https://github.com/sbdchd/squawk/issues/628 (the documented rewrite was still reported)
SET lock_timeout = '2s';
ALTER TABLE customers ADD CONSTRAINT customers_phone_present CHECK (phone IS NOT NULL) NOT VALID;
ALTER TABLE customers VALIDATE CONSTRAINT customers_phone_present;
ALTER TABLE customers ALTER COLUMN phone SET NOT NULL;
ALTER TABLE customers DROP CONSTRAINT customers_phone_present;
