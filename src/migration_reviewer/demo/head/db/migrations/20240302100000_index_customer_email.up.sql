-- Look customers up by email at checkout.
CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (lower(email));
ALTER TABLE customers ADD CONSTRAINT customers_email_format CHECK (email LIKE '%@%');
