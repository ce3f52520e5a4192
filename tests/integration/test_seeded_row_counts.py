"""The row count of every seeded table before and after the change: a table rebuild that keeps its rows
(and its child rows) is quiet; one that loses them is reported with the count (SQLite files)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from migration_reviewer.adapters.base import (
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    SqlScript,
    Wrapping,
)
from migration_reviewer.analyzers import run_rules
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Finding
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.sqlite import SqliteFiles, sqlite_files
from migration_reviewer.replay.result import SetReplay

BASE = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL
);
"""

# drizzle-kit's rebuild: inside the runner's transaction the PRAGMA does nothing, so dropping `users`
# deletes every post through ON DELETE CASCADE.
REBUILD = """
PRAGMA foreign_keys = OFF;
CREATE TABLE __new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
INSERT INTO __new_users (id, email) SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE __new_users RENAME TO users;
PRAGMA foreign_keys = ON;
"""

# The same rebuild, with the posts kept in a temporary table and copied back.
REBUILD_KEEPING_POSTS = """
CREATE TEMP TABLE posts_backup AS SELECT * FROM posts;
CREATE TABLE __new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
INSERT INTO __new_users (id, email) SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE __new_users RENAME TO users;
INSERT INTO posts SELECT * FROM posts_backup;
DROP TABLE posts_backup;
"""


def _migration(number: int, sql: str, status: MigrationStatus = MigrationStatus.ADDED) -> Migration:
    path = f"drizzle/{number:04d}.sql"
    script = (SqlScript(path, sql),)
    return Migration(str(number), f"m{number}", path, status, script, wrapping=Wrapping.BATCH)


@pytest.fixture
def server() -> Iterator[SqliteFiles]:
    with sqlite_files() as files:
        yield files


def _review(server: SqliteFiles, change: str) -> tuple[SetReplay, list[Finding]]:
    base = (_migration(1, BASE, MigrationStatus.BASE),)
    migration_set = MigrationSet("drizzle", "drizzle", Dialect.SQLITE, base, (*base, _migration(2, change)))
    result = replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=300))
    return result, run_rules(AnalysisContext(migration_set, result))


def test_a_rebuild_that_loses_the_child_rows_says_how_many(server: SqliteFiles) -> None:
    result, findings = _review(server, REBUILD)
    assert result.seeded is not None
    assert result.seeded.rows_before == {"users": 300, "posts": 300}  # the children of a touched table too
    assert result.seeded.rows_after == {"users": 300, "posts": 0}
    [lost] = [f for f in findings if f.rule == "BF008"]
    assert lost.message.startswith(
        "`posts` held 300 seeded rows before the change and 0 after it, and no statement of the change "
        "deletes from it: the change loses 300 rows: `users` is dropped on line 5"
    )
    assert lost.line == 5 and lost.severity.value == "error"


def test_a_rebuild_that_copies_the_rows_back_is_not_data_loss(server: SqliteFiles) -> None:
    result, findings = _review(server, REBUILD_KEEPING_POSTS)
    assert result.seeded is not None and result.seeded.rows_after == {"users": 300, "posts": 300}
    assert "BF008" not in {f.rule for f in findings}
