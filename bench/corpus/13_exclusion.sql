-- Eugene E8, strong_migrations exclusion constraints.
SET lock_timeout = '2s';
-- expect: risky
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);
-- expect: safe
CREATE TABLE reservations (room_id bigint NOT NULL, during tstzrange NOT NULL, EXCLUDE USING gist (room_id WITH =, during WITH &&));
