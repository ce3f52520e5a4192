"""The rollback check on PostgreSQL: each down compared with the schema before its up, then up again.

It goes on from the change's own run where that run leaves the schema between its migrations (one
migration, or each in its own transaction), and runs on a copy of its own where it does not (several
migrations in one transaction); the findings are the same either way."""

from __future__ import annotations

import pytest

from migration_reviewer.adapters.base import (
    Dialect,
    MigrationSet,
    MigrationStatus,
    Wrapping,
)
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.url import UrlProvider
from migration_reviewer.replay.result import Outcome, SetReplay
from sql_migrations import sql_migration

BASE = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);"

# One down undoes its up; the other's forgets to drop an index and makes one of its own.
CLEAN = ("ALTER TABLE accounts ADD COLUMN plan text;", "ALTER TABLE accounts DROP COLUMN plan;")
LEAKY = (
    "ALTER TABLE accounts ADD COLUMN note text; CREATE INDEX accounts_note ON accounts (note);",
    "ALTER TABLE accounts DROP COLUMN note; CREATE INDEX accounts_email ON accounts (email);",
)


def _replay(
    url: str, changes: list[tuple[str, str | None]], wrapping: Wrapping = Wrapping.SCRIPT
) -> SetReplay:
    base = (
        sql_migration(1, BASE, down="DROP TABLE accounts;", wrapping=wrapping, status=MigrationStatus.BASE),
    )
    new = tuple(
        sql_migration(number, up, down=down, wrapping=wrapping)
        for number, (up, down) in enumerate(changes, start=2)
    )
    migration_set = MigrationSet("db", "test", Dialect.POSTGRESQL, base, (*base, *new))
    with UrlProvider(url).start() as server:
        return replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=0))


def _leftovers(result: SetReplay) -> dict[str, list[tuple[str, str | None]]]:
    assert result.rollback is not None
    return {
        step.migration.id: [(c.kind, c.name) for c in step.leftovers or ()] for step in result.rollback.steps
    }


def test_one_migration_whose_down_forgets_an_index(local_pg_url: str) -> None:
    result = _replay(local_pg_url, [LEAKY])
    assert [run.outcome for run in result.runs] == [Outcome.APPLIED]
    assert _leftovers(result) == {"2": [("index_added", "accounts_email")]}
    assert result.rollback is not None
    assert [run.outcome for run in result.rollback.up_again_runs] == [Outcome.APPLIED]
    # The schema diff is the change's, not what the rollback check left behind.
    assert {(c.kind, c.name) for c in result.changes} >= {
        ("column_added", "note"),
        ("index_added", "accounts_note"),
    }


@pytest.mark.parametrize("wrapping", [Wrapping.SCRIPT, Wrapping.PER_MIGRATION, Wrapping.BATCH])
def test_each_down_is_compared_with_the_schema_before_its_own_up(
    local_pg_url: str, wrapping: Wrapping
) -> None:
    result = _replay(local_pg_url, [LEAKY, CLEAN], wrapping)
    assert [run.outcome for run in result.runs] == [Outcome.APPLIED, Outcome.APPLIED]
    # Downs run last to first; only the first migration's leaves something behind, and it is the one named.
    assert _leftovers(result) == {"3": [], "2": [("index_added", "accounts_email")]}
    assert result.rollback is not None
    assert [run.outcome for run in result.rollback.up_again_runs] == [Outcome.APPLIED, Outcome.APPLIED]
    assert {(c.kind, c.name) for c in result.changes} == {
        ("column_added", "plan"),
        ("column_added", "note"),
        ("index_added", "accounts_note"),
    }


def test_a_failing_up_is_not_rolled_back(local_pg_url: str) -> None:
    result = _replay(local_pg_url, [CLEAN, ("ALTER TABLE missing ADD COLUMN x int;", "SELECT 1;")])
    assert [run.outcome for run in result.runs] == [Outcome.APPLIED, Outcome.FAILED]
    assert result.rollback is not None
    assert [run.outcome for run in result.rollback.up_runs] == [Outcome.APPLIED, Outcome.FAILED]
    assert result.rollback.steps == []


def test_a_failing_down_stops_the_check_and_up_again_is_not_tried(local_pg_url: str) -> None:
    result = _replay(local_pg_url, [CLEAN, ("CREATE TABLE notes (id int);", "DROP TABLE note;")])
    assert result.rollback is not None
    [step] = result.rollback.steps
    assert step.migration.id == "3"
    assert step.down_run is not None and step.down_run.outcome is Outcome.FAILED
    assert result.rollback.up_again_runs == []


def test_a_migration_without_a_down_ends_the_check_there(local_pg_url: str) -> None:
    result = _replay(local_pg_url, [(CLEAN[0], None), LEAKY])
    assert result.rollback is not None
    assert [(step.migration.id, step.down_run is None) for step in result.rollback.steps] == [
        ("3", False),
        ("2", True),
    ]
    assert result.rollback.up_again_runs == []


def test_what_a_later_down_leaves_behind_is_not_blamed_on_the_earlier_ones(local_pg_url: str) -> None:
    """The second migration's down drops a column the base already had; the first migration's down is
    right. Only the second is reported: the missing column is still missing after the first's down, but
    that is the second's doing."""
    result = _replay(
        local_pg_url,
        [CLEAN, ("ALTER TABLE accounts ADD COLUMN logo text;", "ALTER TABLE accounts DROP COLUMN logo, "
                 "DROP COLUMN email;")],
    )
    assert _leftovers(result) == {"3": [("column_dropped", "email")], "2": []}
