ALTER TABLE sessions ADD COLUMN device text;
DELETE FROM sessions WHERE created_at < now() - interval '90 days';
