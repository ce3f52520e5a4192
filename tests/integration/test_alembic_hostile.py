"""Alembic revisions are Python from the pull request: one that raises, exits the interpreter or forms a
cycle is a failure of that revision, with its file and line, never of the review."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_alembic_replay import reviewed, revision

REVISION = "migrations/versions/r02.py"
ADD = '    op.add_column("users", sa.Column("e", sa.Text))'
IMPORT_ERROR = "RuntimeError: boom at import"
UPGRADE_ERROR = "ValueError: boom in upgrade"


@pytest.mark.parametrize(
    ("source", "line", "error"),
    [
        ("raise RuntimeError('boom at import')\n" + revision("r02", "r01", ADD), 1, IMPORT_ERROR),
        (revision("r02", "r01", '    raise ValueError("boom in upgrade")'), 11, UPGRADE_ERROR),
        (revision("r02", "r01", "    os._exit(0)"), 1, "the Alembic runner stopped"),
    ],
    ids=["raises-on-import", "raises-in-upgrade", "exits-the-interpreter"],
)
def test_a_revision_that_breaks_python_fails_alone(
    tmp_path: Path, source: str, line: int, error: str
) -> None:
    report = reviewed(tmp_path, {REVISION: source})
    [migration] = [m for s in report.migration_sets for m in s.migrations]
    assert (migration.path, migration.outcome, migration.error and migration.error.message) == (
        REVISION, "failed", error
    )
    assert [(f.rule, f.path, f.line, f.message) for f in report.findings if f.rule == "RP001"] == [
        ("RP001", REVISION, line, f"`r02` fails: {error}")
    ]


def test_a_cyclic_revision_graph_is_reported(tmp_path: Path) -> None:
    report = reviewed(
        tmp_path,
        {
            REVISION: revision("r02", "r03", ADD),
            "migrations/versions/r03.py": revision("r03", "r02", ADD),
        },
    )
    assert report.verdict.value == "fail"
    assert [(f.rule, f.path, f.message) for f in report.findings if f.rule == "DR008"] == [
        (
            "DR008",
            REVISION,
            "the revision graph is broken: Cycle is detected in revisions (r02, r03); Alembic cannot run "
            "any revision",
        )
    ]
