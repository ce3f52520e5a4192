"""Comments above an `op.` call in a Python migration: ignore directives, in Python's comment syntax."""

from __future__ import annotations

from migration_reviewer.adapters.base import Migration, MigrationStatus, RevisionStep, SqlScript, Wrapping
from migration_reviewer.analyzers.finding import Category, Finding, Severity
from migration_reviewer.analyzers.sql import SqlStatement, parse
from migration_reviewer.analyzers.suppressions import Suppressions, leading_comments
from migration_reviewer.renderers.comment import render_comment
from migration_reviewer.replay.statements import Statement
from report_samples import report

PATH = "alembic/versions/b2_add_email.py"
REVISION = """def upgrade():
    op.add_column("users", sa.Column("email", sa.Text()))

    # migration-reviewer: ignore LK001 -- users holds 40 rows
    op.create_index("users_email_idx", "users", ["email"])
"""


def statement(line: int, sql: str) -> SqlStatement:
    step = RevisionStep("b2", ("a1",), SqlScript(PATH, REVISION), has_down=True)
    migration = Migration(
        "b2", "add_email", PATH, MigrationStatus.ADDED, (), step=step, wrapping=Wrapping.NONE
    )
    return SqlStatement(Statement(sql, PATH, line, line), parse(sql), migration, None, None, None)


def lint_finding(line: int) -> Finding:
    return Finding(
        "LK001", "create-index-without-concurrently", Category.LOCK, Severity.WARNING, "m", PATH, line
    )


def test_a_python_comment_above_the_call_is_read_and_silences_the_rule() -> None:
    index = statement(5, "CREATE INDEX users_email_idx ON users (email)")
    column = statement(2, "ALTER TABLE users ADD COLUMN email text")

    assert leading_comments(index) == "# migration-reviewer: ignore LK001 -- users holds 40 rows"
    assert leading_comments(column) == ""
    suppressions = Suppressions.read([column, index])
    assert suppressions.apply(lint_finding(5)) is None
    assert suppressions.apply(lint_finding(2)) is not None


def test_the_hint_to_accept_a_finding_uses_the_files_comment_syntax() -> None:
    python = render_comment(report((lint_finding(2),)))
    assert "`# migration-reviewer: ignore <rule> <reason>` on the line before the `op.` call" in python
    assert "`-- migration-reviewer" not in python

    sql = render_comment(report((Finding("LK001", "x", Category.LOCK, Severity.WARNING, "m", "m.sql", 1),)))
    assert "`-- migration-reviewer: ignore <rule> <reason>`" in sql and "# migration-reviewer" not in sql
