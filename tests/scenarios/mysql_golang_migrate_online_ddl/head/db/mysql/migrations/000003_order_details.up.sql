-- A new member in the middle of the ENUM, and a required column nobody gave a value.
ALTER TABLE orders MODIFY status ENUM('new', 'pending', 'paid', 'shipped') NOT NULL DEFAULT 'new';
ALTER TABLE orders ADD COLUMN currency CHAR(3) NOT NULL;
ALTER TABLE orders ADD COLUMN note VARCHAR(200) NULL;
