-- expect: risky
-- family: constraints
-- source: https://kaveland.no/eugene/hints/E8 / https://github.com/ankane/strong_migrations (README, checks) - adding an exclusion constraint
SET lock_timeout = '2s';
ALTER TABLE room_bookings ADD CONSTRAINT room_bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);
