CREATE TABLE audit (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
GRANT SELECT ON audit TO reporting;
