-- Squawk adding-foreign-key-constraint / constraint-missing-not-valid, Eugene E1, Atlas PG306,
-- strong_migrations add_foreign_key and add_reference.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
-- expect: risky
ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);
-- expect: safe
ALTER TABLE orders ADD CONSTRAINT orders_store_fk FOREIGN KEY (store_id) REFERENCES stores (id) NOT VALID;
-- expect: safe
ALTER TABLE orders VALIDATE CONSTRAINT orders_store_fk;
-- expect: safe
ALTER TABLE orders ADD COLUMN promo_id bigint;
