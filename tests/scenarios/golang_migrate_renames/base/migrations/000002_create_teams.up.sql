CREATE TABLE teams (id bigserial PRIMARY KEY, name text NOT NULL);
