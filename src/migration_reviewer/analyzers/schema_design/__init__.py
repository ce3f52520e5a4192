"""SD: the design of the tables, columns, keys and indexes the change adds or alters, judged on the
schema the replay left (never on tables the change does not touch)."""
