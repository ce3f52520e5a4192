"""SC: security. Who can read and change the data the change exposes (row-level security, grants,
functions that run with their owner's rights), and migrations that reach outside the database."""
