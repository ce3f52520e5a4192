"""Base histories that do not replay cleanly: a failure is pinned on its own migration and no other, and
the migrations that fail only because of it are its knock-ons, not causes of their own."""

from __future__ import annotations

from migration_reviewer.adapters.base import Dialect, MigrationSet, MigrationStatus, Wrapping
from migration_reviewer.analyzers.knock_ons import blocked_migrations, root_causes
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.url import UrlProvider
from migration_reviewer.replay.result import Outcome, SetReplay
from sql_migrations import sql_migration


def _replay(url: str, base: list[str], new: list[str], wrapping: Wrapping = Wrapping.SCRIPT) -> SetReplay:
    base_migrations = tuple(
        sql_migration(number, up, status=MigrationStatus.BASE, wrapping=wrapping)
        for number, up in enumerate(base, start=1)
    )
    new_migrations = tuple(
        sql_migration(number, up, wrapping=wrapping) for number, up in enumerate(new, start=len(base) + 1)
    )
    migration_set = MigrationSet(
        "db", "test", Dialect.POSTGRESQL, base_migrations, (*base_migrations, *new_migrations)
    )
    with UrlProvider(url).start() as server:
        return replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=0))


def test_a_migration_that_commits_itself_is_not_blamed_when_a_later_one_fails(local_pg_url: str) -> None:
    result = _replay(
        local_pg_url,
        [
            "CREATE TABLE accounts (id bigint PRIMARY KEY);",
            "BEGIN;\nCREATE TABLE invoices (id bigint PRIMARY KEY);\nCOMMIT;",
            "CREATE TABLE plans (id bigint PRIMARY KEY);",
            "CREATE TABLE lines (invoice_id bigint REFERENCES no_such_table (id));",
            "CREATE TABLE refunds (id bigint PRIMARY KEY);",
        ],
        ["ALTER TABLE invoices ADD COLUMN total numeric;"],
    )
    # Only the broken migration fails: the ones before it, committed by the second one's COMMIT when they
    # shared a query with it, are not retried into "already exists".
    assert [run.migration.id for run in result.base_failures] == ["4"]
    assert result.base_failures[0].error is not None
    assert 'relation "no_such_table" does not exist' in result.base_failures[0].error.message
    assert [run.outcome for run in result.runs] == [Outcome.APPLIED]
    assert {t.name for t in result.before.tables} >= {"accounts", "invoices", "plans", "refunds"}  # type: ignore[union-attr]


def test_failures_that_follow_from_a_missing_extension_are_its_knock_ons(local_pg_url: str) -> None:
    result = _replay(
        local_pg_url,
        [
            "CREATE EXTENSION IF NOT EXISTS imaginary_crypto;",
            "CREATE TABLE secrets (id bigint PRIMARY KEY, value text);",
            "CREATE TABLE things (id bigint PRIMARY KEY, kind thing_kind NOT NULL);",
            "CREATE INDEX things_kind ON things (kind);",
            "ALTER TABLE things ADD COLUMN note text;",
        ],
        ["ALTER TABLE things ADD COLUMN size int;", "ALTER TABLE secrets ADD COLUMN hint text;"],
    )
    causes = root_causes(result)
    # Two causes: the extension (nothing follows from it here) and the type nobody creates; the table that
    # needed the type takes the index, the later column and the change's first migration down with it.
    assert [cause.run.migration.id for cause in causes] == ["1", "3"]
    assert [run.migration.id for run in causes[1].knock_ons] == ["4", "5", "6"]
    assert [run.migration.id for run in causes[1].changed_knock_ons] == ["6"]
    # The change's second migration was never reached by the runner: not reviewed either.
    assert set(blocked_migrations(result)) == {"6", "7"}
