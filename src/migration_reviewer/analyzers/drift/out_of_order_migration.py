from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._problems import problems
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR006", "out-of-order-migration", Category.DRIFT, Severity.WARNING)
def out_of_order_migration(ctx: AnalysisContext) -> Iterator[Issue]:
    """A new migration sorts before one that is already on the base branch.

    ## What it does
    Compares the version of each new migration with the newest version on the base branch.

    ## Why is this risky?
    Runners either refuse it (it is older than the database's current version) or apply it out of order
    in production while tests ran it in order; either way environments diverge. This usually comes from
    a branch that was open for a long time.

    ## Example
    A branch adds `20240105_add_x.sql` after main already has `20240110_add_y.sql`.

    ## Use instead
    Regenerate the migration so its timestamp is newer than everything on the base branch.
    """
    yield from problems(
        ctx,
        ProblemKind.OUT_OF_ORDER,
        "rename the migration so it sorts after the newest one on the base branch",
    )
