-- expect: risky
-- family: schema
-- source: https://docs.gitlab.com/ee/development/database/avoiding_downtime_in_migrations.html (migrating integer primary keys to bigint: referencing columns too)
CREATE TABLE workspaces (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE workspace_invites (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, workspace_id integer NOT NULL REFERENCES workspaces (id));
CREATE INDEX workspace_invites_workspace_idx ON workspace_invites (workspace_id);
