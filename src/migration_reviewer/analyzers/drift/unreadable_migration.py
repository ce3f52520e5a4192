from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._problems import problems
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR007", "unreadable-migration", Category.DRIFT, Severity.WARNING)
def unreadable_migration(ctx: AnalysisContext) -> Iterator[Issue]:
    """A file in a migrations folder that cannot be read as text.

    ## What it does
    Reports binary files and files that are not valid UTF-8 inside a migration folder.

    ## Why is this risky?
    The runner may apply it, fail on it or skip it; the review cannot tell what it does.

    ## Example
    A `.sql` file saved as UTF-16, or a stray archive in `migrations/`.

    ## Use instead
    UTF-8 SQL files only.
    """
    yield from problems(
        ctx,
        ProblemKind.UNREADABLE,
        "save the file as UTF-8 text, or move it out of the migrations folder",
    )
