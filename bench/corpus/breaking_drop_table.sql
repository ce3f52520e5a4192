-- expect: risky
-- family: breaking
-- source: https://atlasgo.io/lint/analyzers (DS102 drop table)
DROP TABLE feature_flags_old;
