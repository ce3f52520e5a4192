"""BF: statements whose outcome depends on the rows already in the table."""
