-- expect: safe
-- family: data
-- source: https://github.com/ankane/strong_migrations (README, checks) - backfilling data (the safe way: one batch, its own transaction)
UPDATE users SET theme = 'light' WHERE id >= 1 AND id < 10001 AND theme IS NULL;
