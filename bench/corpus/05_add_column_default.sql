-- Squawk adding-field-with-default, Eugene E11, Atlas PG302, strong_migrations volatile default.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
-- expect: risky
ALTER TABLE orders ADD COLUMN jitter double precision DEFAULT random();
-- expect: risky
ALTER TABLE orders ADD COLUMN created_exact timestamptz NOT NULL DEFAULT clock_timestamp();
-- expect: safe
ALTER TABLE orders ADD COLUMN archived boolean NOT NULL DEFAULT false;
-- expect: safe
ALTER TABLE orders ADD COLUMN imported_at timestamptz DEFAULT now();
-- expect: safe
ALTER TABLE orders ADD COLUMN seen_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP;
-- expect: safe
ALTER TABLE orders ADD COLUMN tags text[] NOT NULL DEFAULT ARRAY[]::text[];
-- expect: safe
ALTER TABLE orders ADD COLUMN source text NOT NULL DEFAULT 'web';
-- expect: safe
ALTER TABLE orders ADD COLUMN token uuid;
-- expect: safe
ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();
