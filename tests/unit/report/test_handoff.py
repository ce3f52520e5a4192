"""Hand-off notes: in the set's own dialect, and drawn from the backfill findings."""

from __future__ import annotations

import dataclasses

from migration_reviewer.adapters.base import Dialect, Migration, MigrationSet, MigrationStatus, SqlScript
from migration_reviewer.analyzers.finding import Category, Finding, Severity
from migration_reviewer.renderers import json as json_renderer
from migration_reviewer.renderers.comment import render_comment, render_summary
from migration_reviewer.replay.result import MigrationRun, Outcome, SetReplay
from migration_reviewer.report.handoff import build_handoff
from migration_reviewer.report.load import load_report
from migration_reviewer.schema.model import Column, SchemaChange, SchemaSnapshot, Table
from report_samples import report

PATH = "migrations/002_change.sql"


def _replay(
    dialect: Dialect,
    changes: list[SchemaChange],
    *,
    framework: str = "prisma",
    after: SchemaSnapshot | None = None,
) -> SetReplay:
    migration = Migration("2", "change", PATH, MigrationStatus.ADDED, (SqlScript(PATH, "SELECT 1"),))
    migration_set = MigrationSet("migrations", framework, dialect, (), (migration,))
    return SetReplay(
        migration_set,
        "test",
        "16.0",
        runs=[MigrationRun(migration, Outcome.APPLIED)],
        changes=changes,
        after=after,
    )


def _finding(
    rule: str, category: Category, table: str, statement: str = "", severity: Severity = Severity.WARNING
) -> Finding:
    return Finding(
        rule=rule,
        name=rule.lower(),
        category=category,
        severity=severity,
        message="…",
        path=PATH,
        line=1,
        table=table,
        statement=statement or None,
        migration_set="migrations",
    )


CHANGES = [
    SchemaChange("index_added", "orders", "orders_status_idx", ""),
    SchemaChange("constraint_added", "orders", "orders_total_check", "CHECK (total >= 0)"),
    SchemaChange("column_type_changed", "orders", "status", "varchar(20) → text"),
]


def test_mysql_gets_its_own_monitoring_and_reverse_sql() -> None:
    lock = _finding("LK102", Category.LOCK, "orders")
    handoff = build_handoff([_replay(Dialect.MYSQL, CHANGES)], [lock])

    notes = " ".join(handoff.monitoring + handoff.rollback)
    assert "performance_schema.metadata_locks" in notes
    assert "pg_stat" not in notes and "CONCURRENTLY" not in notes
    assert "`DROP INDEX orders_status_idx ON orders;`" in notes
    assert "ALTER COLUMN" not in notes  # MODIFY would need the whole column definition


def test_sqlite_gets_no_postgresql_advice() -> None:
    lock = _finding("LK001", Category.LOCK, "orders")
    handoff = build_handoff([_replay(Dialect.SQLITE, CHANGES, framework="drizzle")], [lock])

    notes = " ".join(handoff.monitoring + handoff.rollback)
    assert handoff.monitoring == ()
    assert "`DROP INDEX orders_status_idx;`" in notes
    assert "DROP CONSTRAINT" not in notes and "ALTER COLUMN" not in notes


def test_postgresql_keeps_its_reverse_sql() -> None:
    handoff = build_handoff([_replay(Dialect.POSTGRESQL, CHANGES)], [])

    notes = " ".join(handoff.rollback)
    assert "`DROP INDEX CONCURRENTLY orders_status_idx;`" in notes
    assert "`ALTER TABLE orders ALTER COLUMN status TYPE varchar(20);`" in notes


def test_a_column_copy_leads_to_not_null_and_contract_follow_ups() -> None:
    users = Table(
        "public", "users", columns=(Column("name", "text", nullable=False), Column("display_name", "text"))
    )
    replay = _replay(
        Dialect.POSTGRESQL, [], framework="golang-migrate", after=SchemaSnapshot(tables=(users,))
    )
    backfill = _finding("BF002", Category.BACKFILL, "users", "UPDATE users SET display_name = name")

    handoff = build_handoff([replay], [backfill])

    follow_ups = " ".join(handoff.follow_ups)
    assert "If `users.display_name` must always be set, enforce NOT NULL once the batched" in follow_ups
    assert "Drop the old column `users.name` after the contract phase" in follow_ups
    assert any("pg_stat_replication.replay_lag" in note for note in handoff.monitoring)


def test_the_risk_paragraph_weighs_warnings_and_errors_only() -> None:
    replay = _replay(Dialect.POSTGRESQL, [])
    note = _finding("SD004", Category.SCHEMA, "events", severity=Severity.INFO)
    assert build_handoff([replay], [note]).risk == ""

    lock = _finding("LK006", Category.LOCK, "orders", severity=Severity.ERROR)
    risk = build_handoff([replay], [note, lock]).risk
    assert risk == "High risk (1 error, 0 warnings): they block traffic on `orders` while they run (LK006)."


def test_the_risk_is_rendered_and_survives_the_stored_report() -> None:
    original = dataclasses.replace(
        report(), handoff=dataclasses.replace(report().handoff, risk="Medium risk (0 errors, 1 warning): x.")
    )
    loaded = load_report(json_renderer.render(original).encode())

    assert loaded.handoff.risk == original.handoff.risk
    # The comment says it in its summary on top; the job summary keeps the paragraph in its hand-off.
    assert (
        "<b>Hand-off</b>: deploy order, follow-ups, monitoring</summary>\n\n"
        "Medium risk (0 errors, 1 warning): x." in render_summary(loaded)
    )
    assert "Medium risk" not in render_comment(loaded)
    assert "risk" not in report().handoff.to_dict()  # absent, not empty, when there is none


def test_backfill_notes_with_a_fix_render_one_a_line() -> None:
    backfills = tuple(
        dataclasses.replace(
            _finding("BF002", Category.BACKFILL, table), message=f"`UPDATE {table}`", fix="batch"
        )
        for table in ("a", "b")
    )
    body = render_comment(report(backfills))

    # Both under their file, each with its fix folded beneath it.
    assert body.count("**Fix:** batch") == 2 and body.index("`UPDATE a`") < body.index("`UPDATE b`")
