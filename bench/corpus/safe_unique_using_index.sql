-- expect: safe
-- family: constraints
-- source: https://kaveland.no/eugene/hints/E7 (safer migration: unique index built concurrently, then USING INDEX)
CREATE UNIQUE INDEX CONCURRENTLY coupons_slug_idx ON coupons (slug);
SET lock_timeout = '2s';
ALTER TABLE coupons ADD CONSTRAINT coupons_slug_key UNIQUE USING INDEX coupons_slug_idx;
