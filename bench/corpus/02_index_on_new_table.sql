-- Squawk issue #349: an index on a table created by the same migration blocks nobody.
SET lock_timeout = '2s';
-- expect: safe
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12,2));
-- expect: safe
CREATE INDEX invoices_customer_id_idx ON invoices (customer_id);
-- expect: safe
ALTER TABLE invoices ADD CONSTRAINT invoices_total_positive CHECK (total >= 0);
-- expect: safe
ALTER TABLE invoices ADD CONSTRAINT invoices_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
