-- expect: risky
-- family: schema
-- source: https://www.postgresql.org/docs/current/sql-createdomain.html (Notes: a domain's NOT NULL is not enforced everywhere) and sql-alterdomain.html (changing it checks every column)
CREATE DOMAIN price_cents AS bigint CHECK (VALUE >= 0);
