"""Replay on SQLite files: the runner's transactions as SQLite has them (a PRAGMA that does nothing inside
one), copies of a replayed base, foreign keys checked after the change, and the schema read back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

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
from migration_reviewer.analyzers.sqlite.foreign_keys_off_in_transaction import REBUILD_FOREIGN_KEYS_FIX
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.sqlite import SqliteFiles, sqlite_files
from migration_reviewer.replay.result import Outcome, SetReplay
from migration_reviewer.replay.sessions import open_session

BASE = """
CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  email TEXT NOT NULL CHECK (length(email) > 1)
);
CREATE INDEX members_team ON members (team_id);
CREATE TRIGGER teams_lower AFTER INSERT ON teams BEGIN
  UPDATE teams SET name = lower(NEW.name) WHERE id = NEW.id;
END;
CREATE VIEW team_sizes AS SELECT team_id, count(*) AS size FROM members GROUP BY team_id;
"""

REBUILD = """
PRAGMA foreign_keys = OFF;
CREATE TABLE __new_teams (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, plan TEXT NOT NULL DEFAULT 'free'
);
INSERT INTO __new_teams (name) SELECT name FROM teams WHERE name <> 'v1';
DROP TABLE teams;
ALTER TABLE __new_teams RENAME TO teams;
UPDATE members SET email = lower(email);
PRAGMA foreign_keys = ON;
"""


def migration(
    number: int, sql: str, wrapping: Wrapping, status: MigrationStatus = MigrationStatus.ADDED
) -> Migration:
    path = f"migrations/{number:04d}.sql"
    return Migration(str(number), f"m{number}", path, status, (SqlScript(path, sql),), wrapping=wrapping)


def replay(server: SqliteFiles, framework: str, *new: Migration, seed_rows: int = 50) -> SetReplay:
    base = (migration(1, BASE, Wrapping.NONE, MigrationStatus.BASE),)
    migration_set = MigrationSet("migrations", framework, Dialect.SQLITE, base, base + new)
    return replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=seed_rows))


def rules_fired(result: SetReplay) -> set[str]:
    return {f.rule for f in run_rules(AnalysisContext(result.migration_set, result))}


@pytest.fixture
def server() -> Iterator[SqliteFiles]:
    with sqlite_files() as files:
        yield files


def test_foreign_keys_off_is_ignored_inside_the_runners_transaction(server: SqliteFiles) -> None:
    # Drizzle runs every pending migration in one transaction: the PRAGMA does nothing, so the DROP
    # deletes the members through ON DELETE CASCADE.
    result = replay(server, "drizzle", migration(2, REBUILD, Wrapping.BATCH))
    [run] = result.runs
    assert run.outcome is Outcome.APPLIED
    assert all(step.in_transaction for step in run.statements)
    assert {"BF201", "SD201"} <= rules_fired(result)


def test_the_advice_does_not_promise_that_deferred_foreign_keys_spare_the_children(tmp_path: Path) -> None:
    # SQLite itself: with defer_foreign_keys on, DROP TABLE of the parent still runs ON DELETE CASCADE.
    database = sqlite3.connect(tmp_path / "fk.db", isolation_level=None)
    database.executescript(BASE + "INSERT INTO teams (id, name) VALUES (1, 'a');")
    database.execute("INSERT INTO members (team_id, email) VALUES (1, 'ab')")
    database.execute("PRAGMA foreign_keys = ON")
    database.execute("BEGIN")
    database.execute("PRAGMA defer_foreign_keys = ON")
    database.execute("DROP TABLE teams")
    assert database.execute("SELECT count(*) FROM members").fetchone() == (0,)  # the child rows are gone
    database.execute("ROLLBACK")
    database.close()

    fix = REBUILD_FOREIGN_KEYS_FIX
    assert "defer_foreign_keys = ON` only postpones the checks" in fix
    assert "still runs the ON DELETE CASCADE" in fix and "outside a transaction" in fix


def test_foreign_keys_off_works_outside_a_transaction_and_the_orphans_are_found(server: SqliteFiles) -> None:
    # Prisma runs the file without a transaction: the PRAGMA works, the ids are not copied, and
    # PRAGMA foreign_key_check finds the members whose team is gone.
    result = replay(server, "prisma", migration(2, REBUILD, Wrapping.SCRIPT))
    assert not any(step.in_transaction for step in result.runs[0].statements)
    assert result.seeded is not None
    assert {t.table: t.rows for t in result.seeded.rows.tables} == {"members": 50, "teams": 50}
    assert result.seeded.violations  # one team left out and the rest renumbered: team 50 is gone
    assert all("no parent row in teams" in v for v in result.seeded.violations)
    fired = rules_fired(result)
    assert "BF203" in fired and "BF201" not in fired


def test_the_rebuild_loses_the_trigger_and_the_diff_says_so(server: SqliteFiles) -> None:
    result = replay(
        server,
        "prisma",
        migration(2, REBUILD.replace("UPDATE members SET email = lower(email);", ""), Wrapping.SCRIPT),
    )
    changes = {(c.kind, c.table, c.name) for c in result.changes}
    assert changes == {("column_added", "teams", "plan"), ("trigger_dropped", "teams", "teams_lower")}


def test_a_renamed_table_is_one_rename_though_its_derived_constraint_names_follow_it(
    server: SqliteFiles,
) -> None:
    # members_pkey, members_team_id_fkey and members_email_check are our names for unnamed constraints:
    # they become people_…; the index members_team was named in the SQL and keeps its name. SQLite rewrites
    # the view that reads the table.
    result = replay(server, "prisma", migration(2, "ALTER TABLE members RENAME TO people;", Wrapping.SCRIPT))
    changes = [(c.kind, c.table) for c in result.changes]
    assert changes == [("table_renamed", "people"), ("view_changed", "team_sizes")]
    assert result.after is not None
    people = result.after.table("public", "people")
    assert people is not None
    derived = {"people_pkey", "people_team_id_fkey", "people_email_check"}
    assert {c.name for c in people.constraints} == derived
    assert {i.name for i in people.indexes} == {"members_team"}


def test_unsupported_alter_and_not_null_columns(server: SqliteFiles) -> None:
    result = replay(
        server,
        "d1",
        migration(2, "ALTER TABLE members ADD COLUMN role TEXT NOT NULL;", Wrapping.PER_MIGRATION),
        migration(3, "ALTER TABLE members ALTER COLUMN email DROP NOT NULL;", Wrapping.PER_MIGRATION),
    )
    # Empty, the table takes the NOT NULL column; with rows it does not.
    assert [r.outcome for r in result.runs] == [Outcome.APPLIED, Outcome.FAILED]
    assert result.seeded is not None and result.seeded.runs[0].outcome is Outcome.FAILED
    assert {"BF202", "SD202", "RP001"} <= rules_fired(result)


def test_a_copy_is_the_same_database(server: SqliteFiles) -> None:
    base = server.create_database()
    with open_session(base, 1000) as session:
        session.run_script(BASE)
        session.execute("INSERT INTO teams (name) VALUES ('A')")
        original = session.introspect()
    copy = server.create_database(template=base)
    with open_session(copy, 1000) as session:
        assert session.introspect() == original
    assert {t.name for t in original.tables} == {"teams", "members", "team_sizes"}
    members = original.table("public", "members")
    assert members is not None
    assert [c.definition for c in members.constraints] == [
        "PRIMARY KEY (id)",
        "FOREIGN KEY (team_id) REFERENCES teams(id) ON DELETE CASCADE",
        "CHECK (LENGTH(email) > 1)",
    ]
    assert [i.name for i in original.table("public", "teams").indexes] == ["teams_name_key"]  # type: ignore[union-attr]
    server.drop_database(copy)
    server.drop_database(base)
    assert not list(server.folder.iterdir())


def test_a_runaway_statement_is_stopped(server: SqliteFiles) -> None:
    database = server.create_database()
    with open_session(database, 50) as session:
        with pytest.raises(Exception, match="interrupted"):
            session.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n"
            )
        assert session.execute("SELECT 1") is None  # later statements get their own time


def test_the_folder_is_removed_whatever_ends_the_review() -> None:
    with pytest.raises(RuntimeError), sqlite_files() as files:
        database = files.create_database()
        sqlite3.connect(database.conninfo).close()
        folder = files.folder
        raise RuntimeError
    assert not Path(folder).exists()
