-- The safe pattern: one key range per run, in its own transaction; quiet.
UPDATE users SET display_name = name WHERE id >= 1 AND id < 10001 AND display_name IS NULL;
