-- expect: risky
-- family: breaking
-- source: https://atlasgo.io/lint/analyzers (DS101 drop schema)
DROP SCHEMA analytics CASCADE;
