BEGIN;
ALTER TABLE items ALTER COLUMN price TYPE numeric(12,2);
ALTER TABLE items ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';
COMMIT;

CREATE VIEW priced_items AS SELECT id, price, currency FROM items;
ALTER TABLE items ADD COLUMN sku text;
SELECT * FROM no_such_table;
