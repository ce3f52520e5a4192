-- What the replay does on a migration's behalf where production's migration role may and the replay's
-- role may not: create an extension the server has, create a role. Installed by a superuser in each
-- scratch database made from nothing (copies inherit it); the replay's role may only call the two
-- functions. Each checks what it is asked, builds its statement from quoted names and literals only,
-- and runs with a fixed search_path, so nothing the migration created can stand in for what it calls.

SET allow_system_table_mods = on;  -- a pg_ schema: out of every snapshot, and no other role may write it
CREATE SCHEMA pg_migration_reviewer;
RESET allow_system_table_mods;
REVOKE ALL ON SCHEMA pg_migration_reviewer FROM PUBLIC;

-- Extensions never created on a migration's behalf (filled by the replay from its own list).
CREATE TABLE pg_migration_reviewer.denied_extensions (name text PRIMARY KEY);
-- Roles this database's history created (a copy of the database inherits the list).
CREATE TABLE pg_migration_reviewer.roles_created (name text PRIMARY KEY);

CREATE FUNCTION pg_migration_reviewer.create_extension(
    extension text, target_schema text, version text, cascade boolean, if_not_exists boolean
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    migration_role oid := (SELECT oid FROM pg_roles WHERE rolname = session_user);
    before oid[] := ARRAY(SELECT oid FROM pg_extension);
    fixed_schema text;
    denied text;
    statement text;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = extension) THEN
        IF if_not_exists THEN
            RAISE NOTICE 'extension "%" already exists, skipping', extension;
            RETURN;
        END IF;
        RAISE EXCEPTION 'extension "%" already exists', extension USING ERRCODE = 'duplicate_object';
    END IF;
    -- The extension, and every extension it requires (CASCADE creates them too).
    WITH RECURSIVE wanted(name) AS (
        SELECT extension COLLATE "C"
        UNION
        SELECT required::text COLLATE "C" FROM wanted w
        JOIN pg_available_extension_versions v ON v.name = w.name, unnest(v.requires) AS required
    )
    SELECT w.name INTO denied FROM wanted w JOIN pg_migration_reviewer.denied_extensions d ON d.name = w.name
    LIMIT 1;
    IF denied IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to create extension "%"', denied
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The replay does not create extensions that reach files, programs or other servers.';
    END IF;
    SELECT v.schema INTO fixed_schema FROM pg_available_extension_versions v
    JOIN pg_available_extensions a ON a.name = v.name AND a.default_version = v.version
    WHERE v.name = extension;
    target_schema := coalesce(fixed_schema::text, target_schema);
    IF target_schema IS NULL THEN
        RAISE EXCEPTION 'no schema has been selected to create in' USING ERRCODE = 'invalid_schema_name';
    END IF;
    IF fixed_schema IS NULL AND EXISTS (SELECT FROM pg_namespace WHERE nspname = target_schema)
       AND NOT has_schema_privilege(migration_role, target_schema, 'CREATE') THEN
        RAISE EXCEPTION 'permission denied for schema %', target_schema USING ERRCODE = 'insufficient_privilege';
    END IF;
    statement := format('CREATE EXTENSION %I WITH SCHEMA %I', extension, target_schema);
    IF version IS NOT NULL THEN
        statement := statement || format(' VERSION %L', version);
    END IF;
    IF cascade THEN
        statement := statement || ' CASCADE';
    END IF;
    EXECUTE statement;
    -- Owned by the migration's role, as a trusted extension it creates itself would be: its later
    -- ALTER EXTENSION and DROP EXTENSION work as in production.
    UPDATE pg_extension SET extowner = migration_role WHERE oid <> ALL (before);
END
$body$;

CREATE FUNCTION pg_migration_reviewer.create_role(role_name text, options jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    marker constant text := 'made on behalf of a migration by a migration-reviewer replay, in database ';
    refused text;
    member text;
    statement text;
BEGIN
    -- Roles are shared by every database of the server, and a change's experiments run side by side:
    -- one at a time here.
    PERFORM pg_advisory_xact_lock(hashtext('pg_migration_reviewer.create_role'));
    SELECT string_agg(upper(o), ', ') INTO refused
    FROM unnest(ARRAY['superuser', 'createrole', 'replication', 'bypassrls']) AS o
    WHERE coalesce((options ->> o)::boolean, false);
    IF refused IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to create role "%" with %', role_name, refused
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The replay creates roles without SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS.';
    END IF;
    FOR member IN SELECT jsonb_array_elements_text(coalesce(options -> 'in_role', '[]')) LOOP
        IF member LIKE 'pg\_%' OR NOT pg_has_role(session_user, member, 'MEMBER WITH ADMIN OPTION') THEN
            RAISE EXCEPTION 'permission denied to grant role "%"', member
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'The migration''s role may not grant membership in that role.';
        END IF;
    END LOOP;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
        IF NOT EXISTS (SELECT FROM pg_migration_reviewer.roles_created WHERE name = role_name)
           AND EXISTS (
               SELECT FROM pg_roles r JOIN pg_shdescription d
                   ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
               WHERE r.rolname = role_name AND d.description LIKE marker || '%'
           ) THEN
            -- Made by the same change in another copy of this history (or a kept cluster): as good as new.
            INSERT INTO pg_migration_reviewer.roles_created VALUES (role_name);
            EXECUTE format('GRANT %I TO %I WITH ADMIN OPTION', role_name, session_user);
            RETURN;
        END IF;
        RAISE EXCEPTION 'role "%" already exists', role_name USING ERRCODE = 'duplicate_object';
    END IF;
    statement := format('CREATE ROLE %I', role_name)
        || CASE WHEN coalesce((options ->> 'login')::boolean, false) THEN ' LOGIN' ELSE ' NOLOGIN' END
        || CASE WHEN coalesce((options ->> 'createdb')::boolean, false) THEN ' CREATEDB' ELSE '' END
        || CASE WHEN coalesce((options ->> 'inherit')::boolean, true) THEN '' ELSE ' NOINHERIT' END
        || coalesce(' CONNECTION LIMIT ' || (options ->> 'connection_limit')::int, '')
        || coalesce(' PASSWORD ' || quote_literal(options ->> 'password'), '')
        || coalesce(' VALID UNTIL ' || quote_literal(options ->> 'valid_until'), '');
    IF jsonb_array_length(coalesce(options -> 'in_role', '[]')) > 0 THEN
        statement := statement || ' IN ROLE ' || (
            SELECT string_agg(format('%I', r), ', ') FROM jsonb_array_elements_text(options -> 'in_role') r);
    END IF;
    IF jsonb_array_length(coalesce(options -> 'role', '[]')) > 0 THEN
        statement := statement || ' ROLE ' || (
            SELECT string_agg(format('%I', r), ', ') FROM jsonb_array_elements_text(options -> 'role') r);
    END IF;
    IF jsonb_array_length(coalesce(options -> 'admin', '[]')) > 0 THEN
        statement := statement || ' ADMIN ' || (
            SELECT string_agg(format('%I', r), ', ') FROM jsonb_array_elements_text(options -> 'admin') r);
    END IF;
    EXECUTE statement;
    -- The migration's role administers what it created, as its CREATEROLE would let it in production.
    EXECUTE format('GRANT %I TO %I WITH ADMIN OPTION', role_name, session_user);
    EXECUTE format('COMMENT ON ROLE %I IS %L', role_name, marker || current_database());
    INSERT INTO pg_migration_reviewer.roles_created VALUES (role_name);
END
$body$;

CREATE FUNCTION pg_migration_reviewer.drop_roles(role_names text[], missing_ok boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    role_name text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('pg_migration_reviewer.create_role'));
    FOREACH role_name IN ARRAY role_names LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            IF missing_ok THEN
                RAISE NOTICE 'role "%" does not exist, skipping', role_name;
                CONTINUE;
            END IF;
            RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = 'undefined_object';
        END IF;
        IF NOT EXISTS (SELECT FROM pg_migration_reviewer.roles_created WHERE name = role_name) THEN
            RAISE EXCEPTION 'permission denied to drop role "%"', role_name
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'The replay drops only the roles this history created.';
        END IF;
        DELETE FROM pg_migration_reviewer.roles_created WHERE name = role_name;
        -- Another copy of this history (an experiment running beside this one) may still grant it
        -- something: then the role stays for that copy, and is gone from this one's point of view (a
        -- later CREATE ROLE of the same name here finds it as new).
        IF EXISTS (
            SELECT FROM pg_shdepend s JOIN pg_roles r ON s.refobjid = r.oid AND s.refclassid = 'pg_authid'::regclass
            WHERE r.rolname = role_name AND s.dbid <> 0
              AND s.dbid <> (SELECT oid FROM pg_database WHERE datname = current_database())
        ) AND NOT EXISTS (
            SELECT FROM pg_shdepend s JOIN pg_roles r ON s.refobjid = r.oid AND s.refclassid = 'pg_authid'::regclass
            WHERE r.rolname = role_name
              AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ) THEN
            CONTINUE;
        END IF;
        EXECUTE format('DROP ROLE %I', role_name);
    END LOOP;
END
$body$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pg_migration_reviewer FROM PUBLIC;
