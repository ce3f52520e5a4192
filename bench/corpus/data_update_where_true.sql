-- expect: risky
-- family: data
-- source: https://github.com/ankane/strong_migrations (README, checks) - backfilling data (a filter that keeps every row)
UPDATE users SET theme = 'light' WHERE 1 = 1;
