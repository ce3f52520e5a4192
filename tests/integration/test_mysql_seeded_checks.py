"""MySQL/MariaDB: what the replay over seeded rows tells a reviewer when the rows stop an ALTER."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from migration_reviewer.adapters.base import Dialect, MigrationSet, MigrationStatus
from migration_reviewer.analyzers import run_rules
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Finding
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.mysql import MySqlServer, mysql_server
from sql_migrations import sql_migration

BASE = """
CREATE TABLE orders (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  state VARCHAR(20) NOT NULL,
  note VARCHAR(200) NULL
);
"""


@pytest.fixture
def server(local_mysql_url: str) -> Iterator[MySqlServer]:
    with mysql_server("mysql", local_mysql_url) as started:
        yield started


def _review(server: MySqlServer, change: str) -> list[Finding]:
    base = (sql_migration(1, BASE, folder="db/mysql", status=MigrationStatus.BASE),)
    head = (*base, sql_migration(2, change, folder="db/mysql"))
    migration_set = MigrationSet("db/mysql", "golang-migrate", Dialect.MYSQL, base, head)
    result = replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=200))
    assert result.runs[0].outcome.value == "applied"  # the empty database takes it
    return run_rules(AnalysisContext(migration_set, result))


def test_a_varchar_made_an_enum_its_rows_do_not_fit_reports_the_data_and_the_algorithm(
    server: MySqlServer,
) -> None:
    findings = _review(server, "ALTER TABLE orders MODIFY state ENUM('new', 'paid') NOT NULL;")
    [failure] = [f for f in findings if f.rule == "BF102"]
    assert "fails once the table holds rows, in strict mode: Data truncated for column 'state'" in (
        failure.message
    )
    outside = r"of 200 seeded rows, `state` holds values outside the new members `v1` \(2 rows\)"
    assert re.search(outside, failure.message), failure.message
    assert "accepted it as ALGORITHM=COPY, LOCK=SHARED" in failure.message
    assert "WHERE state NOT IN ('new', 'paid')" in (failure.fix or "")
    # the algorithm is still reported as the lock risk it is, not only as a metadata-lock warning
    [blocking] = [f for f in findings if f.rule == "LK101"]
    assert "accepted ALGORITHM=COPY, LOCK=SHARED, which blocks writes to `orders`" in blocking.message


def test_narrowing_a_column_below_its_values_fails_with_the_values_named(server: MySqlServer) -> None:
    findings = _review(server, "ALTER TABLE orders MODIFY note VARCHAR(2) NULL;")
    [failure] = [f for f in findings if f.rule == "BF102"]
    assert "Data too long for column 'note'" in failure.message and "`note` holds values" in failure.message


def test_a_change_the_rows_fit_is_quiet(server: MySqlServer) -> None:
    findings = _review(server, "ALTER TABLE orders MODIFY note VARCHAR(250) NULL;")
    assert "BF102" not in {f.rule for f in findings}


def test_a_down_that_narrows_a_column_back_fails_on_a_value_written_after_the_deploy(
    server: MySqlServer,
) -> None:
    base = (sql_migration(1, BASE, folder="db/mysql", status=MigrationStatus.BASE),)
    change = sql_migration(
        2,
        "ALTER TABLE orders MODIFY note TEXT NULL;",
        folder="db/mysql",
        down="ALTER TABLE orders MODIFY note VARCHAR(200) NULL;",
    )
    migration_set = MigrationSet("db/mysql", "golang-migrate", Dialect.MYSQL, base, (*base, change))
    result = replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=200))
    findings = run_rules(AnalysisContext(migration_set, result))
    [finding] = [f for f in findings if f.rule == "RB006"]
    assert "narrows `orders.note` back from text to varchar(200)" in finding.message
    assert "(a 201-character text, which only text holds): Data too long for column 'note'" in finding.message
    assert "RB001" not in {f.rule for f in findings}  # on the empty database the down works
