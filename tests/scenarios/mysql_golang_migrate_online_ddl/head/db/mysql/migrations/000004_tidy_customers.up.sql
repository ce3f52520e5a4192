SET SESSION lock_wait_timeout = 5;
ALTER TABLE customers CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
ALTER TABLE orders MODIFY total INT NOT NULL;
