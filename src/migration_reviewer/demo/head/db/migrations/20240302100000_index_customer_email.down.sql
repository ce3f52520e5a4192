ALTER TABLE customers DROP CONSTRAINT customers_email_format;
DROP INDEX customers_email_key;
