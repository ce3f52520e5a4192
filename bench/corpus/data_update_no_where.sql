-- expect: risky
-- family: data
-- source: https://github.com/ankane/strong_migrations (README, checks) - backfilling data (one transaction over the whole table)
UPDATE users SET marketing_opt_in = false;
