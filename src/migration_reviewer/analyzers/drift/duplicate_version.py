from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._problems import problems
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR003", "duplicate-version", Category.DRIFT, Severity.ERROR)
def duplicate_version(ctx: AnalysisContext) -> Iterator[Issue]:
    """Two migrations with one version number.

    ## What it does
    Reports migrations in one folder that share the version the runner orders and records them by.

    ## Why is this risky?
    The runner records versions, not files: one of the two is refused or silently never applied, and
    which one depends on the environment.

    ## Example
    `0042_add_email.up.sql` and `0042_add_phone.up.sql` in one golang-migrate folder (two branches merged).

    ## Use instead
    Renumber the newer migration: `0043_add_phone.up.sql`.
    """
    yield from problems(
        ctx,
        ProblemKind.DUPLICATE_VERSION,
        "give the new migration a version of its own (regenerate it with a fresh timestamp or number)",
    )
