"""The replay over seeded rows runs where rows can change what the change does, and only there."""

from __future__ import annotations

import pytest

from migration_reviewer.adapters.base import (
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
)
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.url import UrlProvider
from sql_migrations import sql_migration

BASE = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);"


def _migration(number: int, sql: str, status: MigrationStatus) -> Migration:
    return sql_migration(number, sql, status=status)


@pytest.mark.parametrize(
    ("change", "seeded"),
    [
        ("ALTER TABLE accounts ADD COLUMN note text; COMMENT ON COLUMN accounts.note IS 'free text';", False),
        ("CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts);", False),
        ("CREATE INDEX accounts_email ON accounts (email);", True),  # its build time grows with the rows
        ("ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';", True),
        ("UPDATE accounts SET email = lower(email);", True),
    ],
)
def test_rows_are_seeded_only_where_they_can_matter(local_pg_url: str, change: str, seeded: bool) -> None:
    base = (_migration(1, BASE, MigrationStatus.BASE),)
    head = (*base, _migration(2, change, MigrationStatus.ADDED))
    migration_set = MigrationSet("db", "golang-migrate", Dialect.POSTGRESQL, base, head)
    with UrlProvider(local_pg_url).start() as server:
        result = replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=200))
    assert [run.outcome.value for run in result.runs] == ["applied"]
    if seeded:
        assert result.seeded is not None
        assert {t.table: t.rows for t in result.seeded.rows.tables} == {"accounts": 200}
    else:
        assert result.seeded is None


def test_a_long_history_and_the_seeding_say_how_far_they_got(
    local_pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_reviewer.replay import engine

    monkeypatch.setattr(engine, "_PROGRESS_EVERY_S", 0.0)  # every chunk of the history, not every 2 s
    base = tuple(
        _migration(number, f"CREATE TABLE t{number} (id int);", MigrationStatus.BASE)
        for number in range(1, 451)
    )
    change = _migration(451, "ALTER TABLE t1 ADD COLUMN a int NOT NULL DEFAULT 0;", MigrationStatus.ADDED)
    migration_set = MigrationSet("db", "golang-migrate", Dialect.POSTGRESQL, base, (*base, change))
    said: list[str] = []
    with UrlProvider(local_pg_url).start() as server:
        replay_set(migration_set, server, ReplayOptions(seed_rows=100, progress=said.append))
    assert [line for line in said if line.startswith("replayed")] == [
        "replayed 200 of 450 base migrations of db",
        "replayed 400 of 450 base migrations of db",
    ]
    assert "seeding up to 100 rows into t1 (and the tables they reference)" in said
