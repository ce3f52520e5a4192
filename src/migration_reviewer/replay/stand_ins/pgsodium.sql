-- An empty stand-in for pgsodium, the libsodium binding a managed Supabase database carries and which is
-- not packaged for ordinary servers. Its schema, key table and the functions migrations call exist; the
-- functions return placeholders and encrypt nothing.
CREATE SCHEMA IF NOT EXISTS pgsodium;
CREATE TABLE IF NOT EXISTS pgsodium.key (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status text DEFAULT 'valid',
    created timestamptz NOT NULL DEFAULT now(),
    expires timestamptz,
    key_type text,
    key_id bigint,
    key_context bytea DEFAULT 'pgsodium',
    name text UNIQUE,
    associated_data text DEFAULT 'associated',
    raw_key bytea,
    raw_key_nonce bytea,
    parent_key uuid,
    comment text,
    user_data text
);
CREATE OR REPLACE VIEW pgsodium.valid_key AS
    SELECT id, name, status, key_type, key_id, key_context, created, expires, associated_data
    FROM pgsodium.key WHERE status IN ('valid', 'default');
CREATE OR REPLACE FUNCTION pgsodium.create_key(
    key_type text DEFAULT 'aead-det', name text DEFAULT NULL, raw_key bytea DEFAULT NULL,
    raw_key_nonce bytea DEFAULT NULL, parent_key uuid DEFAULT NULL, key_context bytea DEFAULT 'pgsodium',
    expires timestamptz DEFAULT NULL, associated_data text DEFAULT ''
) RETURNS pgsodium.valid_key
LANGUAGE sql AS $stand_in$
    INSERT INTO pgsodium.key (key_type, name, key_context, expires, associated_data)
    VALUES (key_type, name, key_context, expires, associated_data)
    RETURNING id, name, status, key_type, key_id, key_context, created, expires, associated_data
$stand_in$;
CREATE OR REPLACE FUNCTION pgsodium.randombytes_buf(size integer) RETURNS bytea
LANGUAGE sql AS $stand_in$ SELECT decode(repeat('00', size), 'hex') $stand_in$;
CREATE OR REPLACE FUNCTION pgsodium.crypto_aead_det_noncegen() RETURNS bytea
LANGUAGE sql AS $stand_in$ SELECT decode(repeat('00', 16), 'hex') $stand_in$;
CREATE OR REPLACE FUNCTION pgsodium.crypto_aead_det_encrypt(
    message bytea, additional bytea, key_uuid uuid, nonce bytea DEFAULT NULL
) RETURNS bytea
LANGUAGE sql AS $stand_in$ SELECT message $stand_in$;
CREATE OR REPLACE FUNCTION pgsodium.crypto_aead_det_decrypt(
    message bytea, additional bytea, key_uuid uuid, nonce bytea DEFAULT NULL
) RETURNS bytea
LANGUAGE sql AS $stand_in$ SELECT message $stand_in$;
