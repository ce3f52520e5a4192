PRAGMA foreign_keys = OFF;
CREATE TABLE items_new (id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, price INTEGER NOT NULL DEFAULT 0);
INSERT INTO items_new (id, sku, price) SELECT id, sku, coalesce(price, 0) FROM items;
DROP TABLE items;
ALTER TABLE items_new RENAME TO items;
PRAGMA foreign_keys = ON;
