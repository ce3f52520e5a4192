from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule

# Frameworks whose runner can roll back with down files; the others have no downs by design.
_HAS_DOWNS = {"golang-migrate", "dbmate"}


@rule("RB004", "missing-down", Category.ROLLBACK, Severity.INFO)
def missing_down(ctx: AnalysisContext) -> Iterator[Issue]:
    """A new migration has no down, in a framework whose other migrations can be rolled back.

    ## What it does
    Reports the change's migrations without a down migration (golang-migrate's `.down.sql`, dbmate's
    `-- migrate:down` section) when the framework supports them.

    ## Why is this risky?
    `migrate down` stops at the first migration without a down: one missing file makes every earlier
    migration impossible to roll back with the tool.

    ## Example
    `003_add_email.up.sql` with no `003_add_email.down.sql`.

    ## Use instead
    Commit `003_add_email.down.sql` that undoes the up, or say in the pull request that the migration is
    one-way and how to recover.
    """
    if ctx.migration_set.framework not in _HAS_DOWNS:
        return
    for migration in ctx.migration_set.new_migrations:
        if migration.down is None:
            yield Issue(
                message=f"`{migration.name}` has no down migration: a rollback with the tool stops here",
                path=migration.path,
                fix="add a down migration that undoes the up, or document the migration as one-way",
            )
