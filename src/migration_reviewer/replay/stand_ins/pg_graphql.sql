-- An empty stand-in for pg_graphql, the GraphQL resolver a managed Supabase database carries: its schema
-- and resolver exist, and the resolver answers every query with an error.
CREATE SCHEMA IF NOT EXISTS graphql;
CREATE OR REPLACE FUNCTION graphql.resolve(
    query text, variables jsonb DEFAULT '{}', "operationName" text DEFAULT NULL, extensions jsonb DEFAULT NULL
) RETURNS jsonb
LANGUAGE sql AS $stand_in$
    SELECT jsonb_build_object('errors', jsonb_build_array(jsonb_build_object(
        'message', 'pg_graphql is a stand-in in this review database')))
$stand_in$;
CREATE OR REPLACE FUNCTION graphql.comment_directive(comment_ text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $stand_in$ SELECT NULL::jsonb $stand_in$;
CREATE OR REPLACE FUNCTION graphql.exception(message text) RETURNS text
LANGUAGE plpgsql AS $stand_in$ BEGIN RAISE EXCEPTION USING errcode = '22000', message = message; END $stand_in$;
