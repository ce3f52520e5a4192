from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._problems import problems
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR004", "applied-migration-edited", Category.DRIFT, Severity.ERROR)
def applied_migration_edited(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration that was already on the base branch was edited.

    ## What it does
    Reports migration files that exist on the base branch and differ in the change.

    ## Why is this risky?
    Environments that already ran the migration never run it again, so the edit reaches only new
    environments and the schemas drift apart. Prisma checksums applied migrations and refuses to
    continue.

    ## Example
    Adding a column to `20240101_create_users/migration.sql` after it was deployed.

    ## Use instead
    A new migration, `20240301_add_users_nickname/migration.sql`, with the ALTER TABLE.
    """
    yield from problems(
        ctx,
        ProblemKind.EDITED_APPLIED,
        "revert the edit and put the change in a new migration",
    )
