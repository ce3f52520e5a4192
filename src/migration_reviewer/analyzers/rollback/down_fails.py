from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome


@rule("RB001", "down-fails", Category.ROLLBACK, Severity.ERROR)
def down_fails(ctx: AnalysisContext) -> Iterator[Issue]:
    """A down migration fails when it is run right after its up.

    ## What it does
    Applies the change's migrations on the replayed base, then runs their downs in reverse order, as a
    rollback would, and reports the first down the server rejects, with its file and line.

    ## Why is this risky?
    A down is run when something already went wrong. If it fails then, the rollback plan is gone at the
    worst moment, and the database is left half way.

    ## Example
    ```sql
    -- 002_add_index.down.sql, for an up that created users_email_idx
    DROP INDEX users_email_index;
    ```

    ## Use instead
    ```sql
    DROP INDEX users_email_idx;
    ```
    """
    rollback = ctx.replay.rollback if ctx.replay else None
    if rollback is None:
        return
    for step in rollback.steps:
        run = step.down_run
        if run is None or run.outcome is not Outcome.FAILED or run.error is None:
            continue
        yield Issue(
            message=f"the down of `{step.migration.name}` fails: {run.error.message}",
            path=run.error.path,
            line=run.error.line,
            statement=run.error.statement,
            table=run.error.table,
            fix="make the down undo exactly what the up did, in reverse order",
            confirmed_by_replay=True,
        )
