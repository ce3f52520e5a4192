-- expect: risky
-- family: data
-- source: https://atlasgo.io/lint/analyzers (data-dependent changes: a DELETE of every row)
DELETE FROM notifications;
