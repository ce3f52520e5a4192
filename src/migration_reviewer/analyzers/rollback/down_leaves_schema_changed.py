from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule

_SHOWN = 6  # leftovers named in the message; the rest are counted


@rule("RB002", "down-leaves-schema-changed", Category.ROLLBACK, Severity.WARNING)
def down_leaves_schema_changed(ctx: AnalysisContext) -> Iterator[Issue]:
    """A down migration runs, but the schema afterwards is not the schema before the up.

    ## What it does
    Takes a snapshot of the schema before each of the change's migrations, runs the migration up and then
    its down, and compares: every table, column, index, constraint, type or policy that differs is
    named.

    ## Why is this risky?
    A rollback that leaves an index, a NOT NULL or a column behind looks fine until the previous release
    of the application meets the schema it was not written for, or until the migration is applied again
    and fails on the leftover.

    ## Example
    ```sql
    -- up
    ALTER TABLE users ADD COLUMN email text;
    CREATE INDEX users_email_idx ON users (email);
    -- down
    DROP INDEX users_email_idx;
    ```

    ## Use instead
    ```sql
    -- down
    DROP INDEX users_email_idx;
    ALTER TABLE users DROP COLUMN email;
    ```
    """
    rollback = ctx.replay.rollback if ctx.replay else None
    if rollback is None:
        return
    for step in rollback.steps:
        if not step.leftovers or step.down_run is None:
            continue
        named = [
            f"{change.kind.replace('_', ' ')} {'.'.join(p for p in (change.table, change.name) if p)}"
            for change in step.leftovers
        ]
        more = f" and {len(named) - _SHOWN} more" if len(named) > _SHOWN else ""
        down_path = step.migration.down[0].path if step.migration.down else step.migration.path
        yield Issue(
            message=f"the down of `{step.migration.name}` does not restore the schema: after it, "
            + "; ".join(named[:_SHOWN])
            + more
            + " (compared with the schema before the up)",
            path=down_path,
            line=1,
            fix="undo each of these in the down migration, in reverse order of the up",
            confirmed_by_replay=True,
        )
