ALTER TABLE orders ALTER COLUMN total_cents TYPE integer;
ALTER TABLE customers DROP COLUMN email;
