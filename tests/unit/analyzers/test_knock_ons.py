"""Which failure a "does not exist" error follows from: the missing object's name, read from the server's
message, against what the failed migrations before it would have made."""

from __future__ import annotations

import pytest

from migration_reviewer.adapters.base import Dialect, MigrationSet, MigrationStatus
from migration_reviewer.analyzers.knock_ons import blocked_migrations, missing_object, root_causes
from migration_reviewer.replay.result import MigrationRun, Outcome, ReplayError, SetReplay
from sql_migrations import sql_migration


@pytest.mark.parametrize(
    ("sqlstate", "message", "name"),
    [
        ("42P01", 'relation "public.orders" does not exist', "orders"),
        ("42703", 'column "total" of relation "orders" does not exist', "total"),
        ("42703", "column orders.total does not exist", "total"),
        ("42704", 'type "citext" does not exist', "citext"),
        ("42883", "function uuid_generate_v4() does not exist", "uuid_generate_v4"),
        ("42883", "function extensions.gen_salt(unknown) does not exist", "gen_salt"),
        ("3F000", 'schema "auth" does not exist', "auth"),
        ("42704", 'role "anon" does not exist', "anon"),
        ("42704", 'operator class "gin_trgm_ops" does not exist for access method "gin"', "gin_trgm_ops"),
        ("42704", "type vector does not exist", "vector"),
        ("42P07", 'relation "orders" already exists', None),
    ],
)
def test_the_missing_object_is_read_from_the_message(sqlstate: str, message: str, name: str | None) -> None:
    assert missing_object(ReplayError(message, "m.sql", 1, "", sqlstate)) == name


def _failed(number: int, up: str, sqlstate: str, message: str, *, base: bool = True) -> MigrationRun:
    status = MigrationStatus.BASE if base else MigrationStatus.ADDED
    migration = sql_migration(number, up, status=status)
    error = ReplayError(message, migration.path, 1, up, sqlstate)
    return MigrationRun(migration, Outcome.FAILED, error=error)


def _replay(base: list[MigrationRun], runs: list[MigrationRun]) -> SetReplay:
    migrations = tuple(run.migration for run in (*base, *runs))
    replay = SetReplay(MigrationSet("db", "test", Dialect.POSTGRESQL, (), migrations), "url", "15")
    replay.base_runs, replay.runs = base, runs
    return replay


def test_functions_of_an_extension_that_failed_follow_from_it() -> None:
    extension = _failed(
        1, 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;', "3F000",
        'schema "extensions" does not exist',
    )
    table = _failed(
        2, "CREATE TABLE t (id uuid DEFAULT extensions.uuid_generate_v4());", "42883",
        "function extensions.uuid_generate_v4() does not exist",
    )
    change = _failed(
        3, "ALTER TABLE t ADD COLUMN n int;", "42P01", 'relation "t" does not exist', base=False
    )
    replay = _replay([extension, table], [change])
    causes = root_causes(replay)
    assert len(causes) == 1
    assert causes[0].knock_ons == [table, change]
    assert set(blocked_migrations(replay)) == {"3"}


def test_a_change_that_fails_for_its_own_reason_is_not_blocked() -> None:
    base = _failed(1, "GRANT SELECT ON x TO reporting;", "42704", 'role "reporting" does not exist')
    change = _failed(
        2, "ALTER TABLE accounts ADD COLUMN n int;", "42P01", 'relation "accounts" does not exist', base=False
    )
    replay = _replay([base], [change])
    assert [cause.knock_ons for cause in root_causes(replay)] == [[]]
    assert blocked_migrations(replay) == {}


def test_the_same_failure_again_is_the_same_cause() -> None:
    """A history that asks twice for an extension the server lacks has one cause, not two."""
    unavailable = 'extension "pgcrypto" is not available'
    first = _failed(1, "CREATE EXTENSION pgcrypto;", "0A000", unavailable)
    again = _failed(9, "CREATE EXTENSION IF NOT EXISTS pgcrypto;", "0A000", unavailable)
    causes = root_causes(_replay([first, again], []))
    assert [(cause.run, cause.knock_ons) for cause in causes] == [(first, [again])]


def test_a_runner_that_stops_in_the_base_blocks_the_whole_change() -> None:
    # Alembic stops at the first failing revision: the change's revisions are not run from the first one.
    extension = _failed(1, "CREATE EXTENSION postgis;", "0A000", 'extension "postgis" is not available')
    never_reached = [
        MigrationRun(sql_migration(number, "SELECT 1;", status=MigrationStatus.ADDED), Outcome.NOT_RUN)
        for number in (2, 3)
    ]
    blocked = blocked_migrations(_replay([extension], never_reached))
    [cause] = root_causes(_replay([extension], never_reached))
    assert blocked == {run.migration.id: cause for run in never_reached}
    # A change whose first migration ran is judged by its own failures, as before.
    ran = MigrationRun(sql_migration(2, "SELECT 1;", status=MigrationStatus.ADDED), Outcome.APPLIED)
    assert blocked_migrations(_replay([extension], [ran, never_reached[1]])) == {}


def test_a_base_failure_no_server_explains_says_a_fresh_deploy_fails_too() -> None:
    from migration_reviewer.analyzers.context import AnalysisContext
    from migration_reviewer.analyzers.replay_failures.base_history_fails import base_history_fails

    twice = _failed(3, "ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (u) REFERENCES users;",
                    "42710", 'constraint "posts_user_fk" for relation "posts" already exists')
    role = _failed(4, "GRANT SELECT ON posts TO reporting;", "42704", 'role "reporting" does not exist')
    replay = _replay([twice, role], [])
    context = AnalysisContext(replay.migration_set, replay, frozenset(), None)  # type: ignore[arg-type]
    issues = list(base_history_fails(context))
    assert ["fails on any PostgreSQL" in issue.message for issue in issues] == [True, False]
    assert issues[0].fix is not None and issues[0].fix.startswith("repair the history")
