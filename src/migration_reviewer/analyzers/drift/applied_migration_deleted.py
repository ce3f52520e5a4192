from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._problems import problems
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR005", "applied-migration-deleted", Category.DRIFT, Severity.WARNING)
def applied_migration_deleted(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration that was already on the base branch was deleted.

    ## What it does
    Reports migration files that exist on the base branch and are gone in the change.

    ## Why is this risky?
    Databases that ran it keep its effect, new environments do not get it, and some runners refuse to
    start when an applied version has no file.

    ## Example
    Deleting `003_add_index.up.sql` to "undo" the index.

    ## Use instead
    Keep the file and add `004_drop_index.up.sql`.
    """
    yield from problems(
        ctx,
        ProblemKind.DELETED_APPLIED,
        "restore the file; to undo its effect, write a new migration",
    )
