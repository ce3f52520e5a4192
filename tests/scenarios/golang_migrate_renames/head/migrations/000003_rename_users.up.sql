ALTER TABLE users RENAME TO members;
ALTER TABLE members RENAME COLUMN full_name TO display_name;
ALTER TABLE members DROP COLUMN legacy_flag;
ALTER TABLE members ADD COLUMN team_id bigint;
ALTER TABLE members ADD CONSTRAINT members_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams (id) NOT VALID;
