ALTER TABLE customers ADD COLUMN email varchar(320);
ALTER TYPE order_status ADD VALUE 'refunded';
ALTER TABLE orders ALTER COLUMN total_cents TYPE bigint;
