"""migration-reviewer: replays the migrations a pull request adds on a throwaway database and reviews
what really happens (errors, locks, rewrites, time, schema changes)."""

__version__ = "0.1.0"
