-- A stand-in for supabase_vault, the secret store a managed Supabase database carries. Its schema, table,
-- view and functions exist as migrations use them; secrets are kept as given, not encrypted (this
-- database is thrown away after the review).
CREATE SCHEMA IF NOT EXISTS vault;
CREATE TABLE IF NOT EXISTS vault.secrets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text UNIQUE,
    description text NOT NULL DEFAULT '',
    secret text NOT NULL,
    key_id uuid,
    nonce bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE VIEW vault.decrypted_secrets AS
    SELECT id, name, description, secret, secret AS decrypted_secret, key_id, nonce, created_at, updated_at
    FROM vault.secrets;
CREATE OR REPLACE FUNCTION vault.create_secret(
    new_secret text, new_name text DEFAULT NULL, new_description text DEFAULT '', new_key_id uuid DEFAULT NULL
) RETURNS uuid
LANGUAGE sql AS $stand_in$
    INSERT INTO vault.secrets (secret, name, description, key_id)
    VALUES (new_secret, new_name, new_description, new_key_id) RETURNING id
$stand_in$;
CREATE OR REPLACE FUNCTION vault.update_secret(
    secret_id uuid, new_secret text DEFAULT NULL, new_name text DEFAULT NULL,
    new_description text DEFAULT NULL, new_key_id uuid DEFAULT NULL
) RETURNS void
LANGUAGE sql AS $stand_in$
    UPDATE vault.secrets SET
        secret = coalesce(new_secret, secret), name = coalesce(new_name, name),
        description = coalesce(new_description, description), key_id = coalesce(new_key_id, key_id),
        updated_at = now()
    WHERE id = secret_id
$stand_in$;
