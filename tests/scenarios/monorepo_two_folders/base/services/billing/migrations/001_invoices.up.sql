CREATE TABLE invoices (id bigserial PRIMARY KEY, amount_cents bigint NOT NULL);
