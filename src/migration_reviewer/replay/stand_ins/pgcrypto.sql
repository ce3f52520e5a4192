-- A stand-in for pgcrypto where the server lacks it (the bundled server, which has pgvector, does): its
-- functions, in the schema the statement names (@extschema@), over what every server has. digest() and
-- gen_random_bytes() are real (SHA-2 and MD5 are built in); hmac(), crypt() and the PGP functions return
-- placeholders of the right type: nothing is encrypted in this throwaway database.
CREATE OR REPLACE FUNCTION @extschema@digest(data bytea, type text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$
    SELECT CASE lower(type)
        WHEN 'md5' THEN decode(md5(data), 'hex')
        WHEN 'sha224' THEN sha224(data)
        WHEN 'sha384' THEN sha384(data)
        WHEN 'sha512' THEN sha512(data)
        ELSE sha256(data)
    END
$stand_in$;
CREATE OR REPLACE FUNCTION @extschema@digest(data text, type text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT @extschema@digest(convert_to(data, 'UTF8'), type) $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@hmac(data bytea, key bytea, type text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT @extschema@digest(key || data, type) $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@hmac(data text, key text, type text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$
    SELECT @extschema@digest(convert_to(key || data, 'UTF8'), type)
$stand_in$;
CREATE OR REPLACE FUNCTION @extschema@gen_random_bytes(count integer) RETURNS bytea
LANGUAGE sql VOLATILE STRICT AS $stand_in$
    SELECT coalesce(string_agg(set_byte('\x00'::bytea, 0, (random() * 255)::int), ''::bytea), ''::bytea)
    FROM generate_series(1, count)
$stand_in$;
CREATE OR REPLACE FUNCTION @extschema@gen_random_uuid() RETURNS uuid
LANGUAGE sql VOLATILE AS $stand_in$ SELECT pg_catalog.gen_random_uuid() $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@gen_salt(type text) RETURNS text
LANGUAGE sql VOLATILE STRICT AS $stand_in$ SELECT '$2a$06$' || left(md5(random()::text), 22) $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@gen_salt(type text, rounds integer) RETURNS text
LANGUAGE sql VOLATILE STRICT AS $stand_in$ SELECT @extschema@gen_salt(type) $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@crypt(password text, salt text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT left(salt, 29) || md5(salt || password) $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@encrypt(data bytea, key bytea, type text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT data $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@decrypt(data bytea, key bytea, type text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT data $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@pgp_sym_encrypt(data text, psw text) RETURNS bytea
LANGUAGE sql VOLATILE STRICT AS $stand_in$ SELECT convert_to(data, 'UTF8') $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@pgp_sym_encrypt(data text, psw text, options text) RETURNS bytea
LANGUAGE sql VOLATILE STRICT AS $stand_in$ SELECT convert_to(data, 'UTF8') $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@pgp_sym_decrypt(msg bytea, psw text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT convert_from(msg, 'UTF8') $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@pgp_sym_decrypt(msg bytea, psw text, options text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT convert_from(msg, 'UTF8') $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@armor(data bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT encode(data, 'base64') $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@dearmor(data text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $stand_in$ SELECT decode(data, 'base64') $stand_in$;
