-- A stand-in for uuid-ossp where the server lacks it (the bundled server, which has pgvector, does): its
-- functions, in the schema the statement names (@extschema@), over what every server has. Version 4 and
-- version 3 (MD5 of a namespace and a name) are real; versions 1 and 5 return valid UUIDs of the right
-- type that are not time- or SHA-1-based.
CREATE OR REPLACE FUNCTION @extschema@uuid_nil() RETURNS uuid
LANGUAGE sql IMMUTABLE AS $stand_in$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_ns_dns() RETURNS uuid
LANGUAGE sql IMMUTABLE AS $stand_in$ SELECT '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_ns_url() RETURNS uuid
LANGUAGE sql IMMUTABLE AS $stand_in$ SELECT '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_ns_oid() RETURNS uuid
LANGUAGE sql IMMUTABLE AS $stand_in$ SELECT '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::uuid $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_ns_x500() RETURNS uuid
LANGUAGE sql IMMUTABLE AS $stand_in$ SELECT '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::uuid $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_generate_v4() RETURNS uuid
LANGUAGE sql VOLATILE AS $stand_in$ SELECT gen_random_uuid() $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_generate_v1() RETURNS uuid
LANGUAGE sql VOLATILE AS $stand_in$ SELECT gen_random_uuid() $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_generate_v1mc() RETURNS uuid
LANGUAGE sql VOLATILE AS $stand_in$ SELECT gen_random_uuid() $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_generate_v3(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $stand_in$
    SELECT (
        substr(h, 1, 12) || '3' || substr(h, 14, 3)
        || to_hex((('x' || substr(h, 17, 1))::bit(4)::int & 3) | 8) || substr(h, 18, 15)
    )::uuid
    FROM (SELECT md5(uuid_send(namespace) || convert_to(name, 'UTF8')) AS h) AS hashed
$stand_in$;
CREATE OR REPLACE FUNCTION @extschema@uuid_generate_v5(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $stand_in$
    SELECT (
        substr(h, 1, 12) || '5' || substr(h, 14, 3)
        || to_hex((('x' || substr(h, 17, 1))::bit(4)::int & 3) | 8) || substr(h, 18, 15)
    )::uuid
    FROM (SELECT md5(uuid_send(namespace) || convert_to(name, 'UTF8')) AS h) AS hashed
$stand_in$;
