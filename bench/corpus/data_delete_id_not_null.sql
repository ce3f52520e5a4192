-- expect: risky
-- family: data
-- source: https://atlasgo.io/lint/analyzers (data-dependent changes: a DELETE whose filter keeps every row)
DELETE FROM notifications WHERE id IS NOT NULL;
