-- expect: safe
-- family: schema
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (bigint keys, text, timestamptz, jsonb, indexed foreign key)
CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders (id),
  attempts integer NOT NULL DEFAULT 0,
  carrier text NOT NULL CHECK (length(carrier) <= 50),
  details jsonb,
  sent_at timestamptz
);
CREATE INDEX deliveries_order_idx ON deliveries (order_id);
