"""RB005 reads the down scripts too: what a rollback destroys is named as a note."""

from __future__ import annotations

from migration_reviewer.adapters.base import Dialect, Migration, MigrationSet, MigrationStatus, SqlScript
from migration_reviewer.analyzers import run_rules
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Severity


def _findings(up: str, down: str | None) -> list[tuple[str, Severity, str]]:
    migration = Migration(
        "2",
        "add_team",
        "migrations/002_add_team.up.sql",
        MigrationStatus.ADDED,
        (SqlScript("migrations/002_add_team.up.sql", up),),
        down=None if down is None else (SqlScript("migrations/002_add_team.down.sql", down),),
    )
    migration_set = MigrationSet("migrations", "golang-migrate", Dialect.POSTGRESQL, (), (migration,))
    context = AnalysisContext(migration_set, changed_paths=frozenset({migration.path}))
    return [(f.path or "", f.severity, f.message) for f in run_rules(context) if f.rule == "RB005"]


def test_a_down_that_drops_what_the_up_added_is_a_note() -> None:
    found = _findings(
        "ALTER TABLE members ADD COLUMN team_id bigint;", "ALTER TABLE members DROP COLUMN team_id;"
    )

    assert found == [
        (
            "migrations/002_add_team.down.sql",
            Severity.INFO,
            "the down of `add_team` destroys data: column `members.team_id` (DROP COLUMN); rolling back "
            "loses what was written there since the deploy",
        )
    ]


def test_a_down_that_keeps_the_data_is_quiet() -> None:
    assert (
        _findings("CREATE INDEX members_team_idx ON members (team_id);", "DROP INDEX members_team_idx;") == []
    )
