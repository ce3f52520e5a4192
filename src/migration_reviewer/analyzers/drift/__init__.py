"""DR: a migration set that disagrees with itself or with what was already deployed."""
