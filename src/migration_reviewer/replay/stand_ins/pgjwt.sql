-- A stand-in for pgjwt, JSON Web Tokens in SQL, which a managed Supabase database carries and ordinary
-- servers do not package. Its functions exist with their signatures in the schema the statement names
-- (@extschema@); tokens they make are placeholders, and verification never succeeds.
CREATE OR REPLACE FUNCTION @extschema@url_encode(data bytea) RETURNS text
LANGUAGE sql IMMUTABLE AS $stand_in$
    SELECT translate(encode(data, 'base64'), E'+/=\n', '-_')
$stand_in$;
CREATE OR REPLACE FUNCTION @extschema@url_decode(data text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $stand_in$
    SELECT decode(rpad(translate(data, '-_', '+/'), 4 * ((length(data) + 3) / 4), '='), 'base64')
$stand_in$;
CREATE OR REPLACE FUNCTION @extschema@algorithm_sign(signables text, secret text, algorithm text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $stand_in$ SELECT 'stand-in' $stand_in$;
CREATE OR REPLACE FUNCTION @extschema@sign(payload json, secret text, algorithm text DEFAULT 'HS256')
RETURNS text
LANGUAGE sql IMMUTABLE AS $stand_in$
    SELECT 'stand-in.' || translate(encode(convert_to(payload::text, 'UTF8'), 'base64'), E'+/=\n', '-_')
        || '.stand-in'
$stand_in$;
CREATE OR REPLACE FUNCTION @extschema@try_cast_double(inp text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE AS $stand_in$
BEGIN
    RETURN inp::double precision;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$stand_in$;
CREATE OR REPLACE FUNCTION @extschema@verify(token text, secret text, algorithm text DEFAULT 'HS256')
RETURNS TABLE (header json, payload json, valid boolean)
LANGUAGE sql IMMUTABLE AS $stand_in$ SELECT NULL::json, NULL::json, false $stand_in$;
