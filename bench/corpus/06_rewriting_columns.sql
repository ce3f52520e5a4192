-- Squawk adding-serial-primary-key-field / adding-field-with-default (generated), Eugene E11,
-- strong_migrations auto-increment and stored generated columns.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE events ADD COLUMN seq bigserial;
-- expect: risky
ALTER TABLE events ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;
-- expect: risky
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;
-- expect: safe
ALTER TABLE orders ADD COLUMN total_cents_v bigint GENERATED ALWAYS AS (total * 100) VIRTUAL;
