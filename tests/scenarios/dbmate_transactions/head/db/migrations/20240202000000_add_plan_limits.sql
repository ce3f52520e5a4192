-- migrate:up
ALTER TABLE accounts ADD COLUMN seats integer NOT NULL DEFAULT 1;
ALTER TABLE accounts
    ADD CONSTRAINT accounts_seats_positive CHECK (seats > 0),
    ALTER COLUMN plan TYPE plan_kind USING plan::plan_kind;

-- migrate:down
ALTER TABLE accounts DROP COLUMN seats;
