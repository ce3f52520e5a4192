ALTER TABLE members DROP COLUMN team_id;
ALTER TABLE members RENAME COLUMN display_name TO full_name;
ALTER TABLE members RENAME TO users;
