from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome


@rule("RB003", "not-reapplicable-after-down", Category.ROLLBACK, Severity.WARNING)
def not_reapplicable_after_down(ctx: AnalysisContext) -> Iterator[Issue]:
    """After up and down, the migration cannot be applied again.

    ## What it does
    Runs the change's migrations up, their downs, and the migrations up once more, and reports a
    migration whose second up fails.

    ## Why is this risky?
    Rolling back and then re-deploying the fixed release is the normal way out of an incident. If the
    down leaves something behind that the up creates again, that re-deploy fails.

    ## Example
    ```sql
    -- up
    CREATE INDEX users_name_idx ON users (name);
    -- down: forgets the index
    SELECT 1;
    ```

    ## Use instead
    ```sql
    -- down
    DROP INDEX users_name_idx;
    ```
    """
    rollback = ctx.replay.rollback if ctx.replay else None
    if rollback is None:
        return
    for run in rollback.up_again_runs:
        if run.outcome is Outcome.FAILED and run.error is not None:
            yield Issue(
                message=f"`{run.migration.name}` cannot be applied again after its down: {run.error.message}",
                path=run.error.path,
                line=run.error.line,
                statement=run.error.statement,
                fix="make the down remove everything the up creates",
                confirmed_by_replay=True,
            )
