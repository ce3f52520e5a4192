"""LK: statements that block reads or writes on tables that already hold data, or break the running app."""
