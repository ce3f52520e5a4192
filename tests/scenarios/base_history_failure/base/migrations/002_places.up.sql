CREATE TABLE places (id bigserial PRIMARY KEY, name text NOT NULL);
