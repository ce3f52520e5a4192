SET lock_timeout = '2s';
ALTER TABLE invoices ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';
