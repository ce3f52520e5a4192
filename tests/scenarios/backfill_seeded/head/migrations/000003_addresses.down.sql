ALTER TABLE users ADD COLUMN street text;
UPDATE users SET street = a.street FROM addresses a WHERE a.user_id = users.id;
DROP TABLE addresses;
