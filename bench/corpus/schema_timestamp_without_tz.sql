-- expect: risky
-- family: schema
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (timestamp column type: with time zone)
SET lock_timeout = '2s';
ALTER TABLE reminders ADD COLUMN remind_at timestamp;
