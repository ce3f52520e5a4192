-- expect: risky
-- family: schema
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (adding foreign-key constraints: an index on the referencing column)
CREATE TABLE order_notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), body text);
