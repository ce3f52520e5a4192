from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._problems import problems
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR002", "migration-file-missing", Category.DRIFT, Severity.ERROR)
def migration_file_missing(ctx: AnalysisContext) -> Iterator[Issue]:
    """A journal entry or migration folder whose SQL file is missing.

    ## What it does
    Reports journal entries without their `.sql` file and Prisma migration folders without `migration.sql`.

    ## Why is this risky?
    The runner fails (or skips the migration) on every environment that has not applied it yet.

    ## Example
    A `meta/_journal.json` entry `0008_users` with no `0008_users.sql` beside it.

    ## Use instead
    Commit every file the framework generated for the migration.
    """
    yield from problems(
        ctx,
        ProblemKind.MISSING_FILE,
        "commit the missing file, or remove the entry that points to it",
    )
