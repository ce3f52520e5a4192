-- An empty stand-in for pg_net, which only runs with its background worker loaded when the server
-- starts. Requests are queued in net.http_request_queue as pg_net queues them, and never sent.
CREATE SCHEMA IF NOT EXISTS net;
CREATE TABLE IF NOT EXISTS net.http_request_queue (
    id bigserial PRIMARY KEY,
    method text NOT NULL,
    url text NOT NULL,
    headers jsonb NOT NULL DEFAULT '{}',
    body bytea,
    timeout_milliseconds integer NOT NULL DEFAULT 5000
);
CREATE OR REPLACE FUNCTION net.http_get(
    url text, params jsonb DEFAULT '{}', headers jsonb DEFAULT '{}', timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE sql AS $stand_in$
    INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
    VALUES ('GET', url, headers, timeout_milliseconds) RETURNING id
$stand_in$;
CREATE OR REPLACE FUNCTION net.http_post(
    url text, body jsonb DEFAULT '{}', params jsonb DEFAULT '{}',
    headers jsonb DEFAULT '{"Content-Type": "application/json"}', timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE sql AS $stand_in$
    INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    VALUES ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds) RETURNING id
$stand_in$;
CREATE OR REPLACE FUNCTION net.http_delete(
    url text, params jsonb DEFAULT '{}', headers jsonb DEFAULT '{}', timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
LANGUAGE sql AS $stand_in$
    INSERT INTO net.http_request_queue (method, url, headers, timeout_milliseconds)
    VALUES ('DELETE', url, headers, timeout_milliseconds) RETURNING id
$stand_in$;
