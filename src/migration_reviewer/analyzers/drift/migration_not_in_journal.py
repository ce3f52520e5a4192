from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._problems import problems
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR001", "migration-not-in-journal", Category.DRIFT, Severity.ERROR)
def migration_not_in_journal(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration file that the framework's journal does not list.

    ## What it does
    Compares the SQL files of a Drizzle migrations folder with `meta/_journal.json`.

    ## Why is this risky?
    The runner only applies what the journal lists: the file never runs, in any environment, and no
    error says so.

    ## Example
    `drizzle/0007_add_orders.sql` committed without its entry in `meta/_journal.json`.

    ## Use instead
    Commit the file and the journal that `drizzle-kit generate` wrote together.
    """
    yield from problems(
        ctx,
        ProblemKind.NOT_IN_JOURNAL,
        "add the migration to the journal (regenerate it with the framework's tool) or delete the stray file",
    )
