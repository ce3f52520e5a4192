-- expect: risky
-- family: transactions
-- source: https://kaveland.no/eugene/hints/W12 (ACCESS EXCLUSIVE on several tables in one transaction)
BEGIN;
SET lock_timeout = '2s';
ALTER TABLE carts RENAME COLUMN owner TO owner_id;
ALTER TABLE wishlists RENAME COLUMN owner TO owner_id;
COMMIT;
