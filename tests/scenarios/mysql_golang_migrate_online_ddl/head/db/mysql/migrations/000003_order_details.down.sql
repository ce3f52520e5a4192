ALTER TABLE orders DROP COLUMN note;
ALTER TABLE orders MODIFY status ENUM('new', 'paid', 'shipped') NOT NULL DEFAULT 'new';
