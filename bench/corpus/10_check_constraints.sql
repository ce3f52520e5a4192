-- Squawk constraint-missing-not-valid, Eugene E1, Atlas PG305, strong_migrations add_check_constraint.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
-- expect: safe
ALTER TABLE orders ADD CONSTRAINT orders_qty_positive CHECK (quantity > 0) NOT VALID;
-- expect: safe
ALTER TABLE orders VALIDATE CONSTRAINT orders_qty_positive;
