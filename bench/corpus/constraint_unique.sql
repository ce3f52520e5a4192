-- expect: risky
-- family: constraints
-- source: https://kaveland.no/eugene/hints/E7 (a new unique constraint builds its index under lock)
SET lock_timeout = '2s';
ALTER TABLE coupons ADD CONSTRAINT coupons_code_key UNIQUE (code);
