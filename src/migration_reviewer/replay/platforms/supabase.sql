-- What a Supabase project's database holds before its first migration, as far as migrations commonly use
-- it: the API roles and their default privileges, the auth and storage schemas with the tables and
-- functions policies and triggers refer to, the realtime publication, and the extensions schema.
--
-- Written after Supabase's public documentation (roles, row level security, storage access control,
-- realtime, extensions); it is a stand-in, not Supabase's own schema: only what migrations reference.
--
-- The review runs it as the server's admin role before any migration, one section per transaction: a
-- section that fails is left out with a note. Every statement tolerates what exists already (a Supabase
-- image, a kept cluster): a function that exists is kept as it is. The role the migrations run as is in
-- the setting migration_reviewer.replay_role.

-- section: roles
DO $$
DECLARE
    name text;
BEGIN
    -- The API's roles log in through authenticator, never directly; supabase_admin owns the platform.
    FOREACH name IN ARRAY ARRAY['anon', 'authenticated', 'service_role', 'authenticator', 'supabase_admin',
                                'supabase_auth_admin', 'supabase_storage_admin', 'dashboard_user']
    LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', name);
        END IF;
    END LOOP;
END
$$;
GRANT anon, authenticated, service_role TO authenticator;
-- The migrations' role may act as the platform's owner (policies on storage.objects, triggers on
-- auth.users) and switch to the API roles (SET ROLE authenticated), as the postgres role does on Supabase.
DO $$
DECLARE
    replay text := current_setting('migration_reviewer.replay_role');
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = replay) THEN
        EXECUTE format('GRANT supabase_admin, anon, authenticated, service_role TO %I', replay);
        -- Supabase's search_path: extensions created there are callable unqualified.
        IF replay <> session_user THEN
            EXECUTE format('ALTER ROLE %I SET search_path = "$user", public, extensions', replay);
        END IF;
    END IF;
END
$$;

-- section: service_role bypasses row level security
ALTER ROLE service_role BYPASSRLS;

-- section: schemas
DO $$
BEGIN
    EXECUTE format('GRANT CREATE, CONNECT, TEMPORARY ON DATABASE %I TO supabase_admin', current_database());
END
$$;
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS extensions AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS graphql_public AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS realtime AUTHORIZATION supabase_admin;
GRANT USAGE ON SCHEMA public, auth, storage, extensions, graphql_public, realtime
    TO anon, authenticated, service_role;

-- section: default privileges in public
-- What the migrations' role creates in public is reachable by the API roles (row level security decides
-- which rows), as Supabase sets it up for the postgres role.
DO $$
DECLARE
    replay text := current_setting('migration_reviewer.replay_role');
BEGIN
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
                   'GRANT ALL ON TABLES TO anon, authenticated, service_role', replay);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
                   'GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role', replay);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
                   'GRANT ALL ON SEQUENCES TO anon, authenticated, service_role', replay);
END
$$;

-- section: auth
SET LOCAL ROLE supabase_admin;
CREATE TABLE IF NOT EXISTS auth.users (
    instance_id uuid,
    id uuid NOT NULL PRIMARY KEY,
    aud varchar(255),
    role varchar(255),
    email varchar(255),
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    invited_at timestamptz,
    confirmation_token varchar(255),
    confirmation_sent_at timestamptz,
    recovery_token varchar(255),
    recovery_sent_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_super_admin boolean,
    created_at timestamptz,
    updated_at timestamptz,
    phone text UNIQUE,
    phone_confirmed_at timestamptz,
    confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
    banned_until timestamptz,
    deleted_at timestamptz,
    is_sso_user boolean NOT NULL DEFAULT false,
    is_anonymous boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS auth.identities (
    id uuid NOT NULL PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id text NOT NULL,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    identity_data jsonb NOT NULL,
    provider text NOT NULL,
    email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
    last_sign_in_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    UNIQUE (provider_id, provider)
);
CREATE TABLE IF NOT EXISTS auth.sessions (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz,
    updated_at timestamptz,
    not_after timestamptz
);
CREATE TABLE IF NOT EXISTS auth.refresh_tokens (
    id bigserial PRIMARY KEY,
    token varchar(255) UNIQUE,
    user_id varchar(255),
    revoked boolean,
    created_at timestamptz,
    updated_at timestamptz,
    parent varchar(255),
    session_id uuid REFERENCES auth.sessions (id) ON DELETE CASCADE
);
-- The request's JWT, as PostgREST passes it: the claims as JSON in request.jwt.claims (older versions set
-- one setting per claim, request.jwt.claim.<name>).
DO $$
BEGIN
    IF to_regprocedure('auth.jwt()') IS NULL THEN
        CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $fn$
        SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                        nullif(current_setting('request.jwt.claims', true), ''))::jsonb
        $fn$;
    END IF;
END
$$;
DO $$
BEGIN
    IF to_regprocedure('auth.uid()') IS NULL THEN
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $fn$
        SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
        $fn$;
    END IF;
END
$$;
DO $$
BEGIN
    IF to_regprocedure('auth.role()') IS NULL THEN
        CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $fn$
        SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')::text
        $fn$;
    END IF;
END
$$;
DO $$
BEGIN
    IF to_regprocedure('auth.email()') IS NULL THEN
        CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $fn$
        SELECT coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
                        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')::text
        $fn$;
    END IF;
END
$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO anon, authenticated, service_role;
GRANT SELECT, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA auth TO service_role;

-- section: storage
SET LOCAL ROLE supabase_admin;
CREATE TABLE IF NOT EXISTS storage.buckets (
    id text NOT NULL PRIMARY KEY,
    name text NOT NULL,
    owner uuid,
    owner_id text,
    public boolean DEFAULT false,
    avif_autodetection boolean DEFAULT false,
    file_size_limit bigint,
    allowed_mime_types text[],
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);
CREATE TABLE IF NOT EXISTS storage.objects (
    id uuid NOT NULL PRIMARY KEY DEFAULT gen_random_uuid(),
    bucket_id text REFERENCES storage.buckets (id),
    name text,
    owner uuid,
    owner_id text,
    metadata jsonb,
    path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
    version text,
    user_metadata jsonb,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    last_accessed_at timestamptz DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
-- Path helpers used in storage policies: 'avatars/u1/me.png' → {avatars,u1}, 'me.png', 'png'.
DO $$
BEGIN
    IF to_regprocedure('storage.foldername(text)') IS NULL THEN
        CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $fn$
        SELECT (string_to_array(name, '/'))[1:cardinality(string_to_array(name, '/')) - 1]
        $fn$;
    END IF;
END
$$;
DO $$
BEGIN
    IF to_regprocedure('storage.filename(text)') IS NULL THEN
        CREATE FUNCTION storage.filename(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
        SELECT (string_to_array(name, '/'))[cardinality(string_to_array(name, '/'))]
        $fn$;
    END IF;
END
$$;
DO $$
BEGIN
    IF to_regprocedure('storage.extension(text)') IS NULL THEN
        CREATE FUNCTION storage.extension(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
        SELECT CASE WHEN storage.filename(name) LIKE '%.%'
                    THEN regexp_replace(storage.filename(name), '^.*\.', '') ELSE '' END
        $fn$;
    END IF;
END
$$;
GRANT ALL ON ALL TABLES IN SCHEMA storage TO anon, authenticated, service_role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA storage TO anon, authenticated, service_role;

-- section: realtime publication
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
        CREATE PUBLICATION supabase_realtime;
        ALTER PUBLICATION supabase_realtime OWNER TO supabase_admin;
    END IF;
END
$$;

-- section: extension uuid-ossp
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;

-- section: extension pgcrypto
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
