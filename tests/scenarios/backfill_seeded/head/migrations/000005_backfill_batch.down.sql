SELECT 1; -- the values stay: nothing to undo
