-- Squawk require-concurrent-partition-detach; enum values (strong_migrations, pgfence alter-enum-add-value).
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE events DETACH PARTITION events_2023;
-- expect: safe
ALTER TABLE events DETACH PARTITION events_2022 CONCURRENTLY;
-- expect: safe
ALTER TYPE order_status ADD VALUE 'refunded';
-- expect: safe
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'disputed' AFTER 'refunded';
