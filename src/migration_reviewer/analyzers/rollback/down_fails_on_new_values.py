from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome, WrittenAfterDeploy


@rule("RB006", "down-fails-on-new-values", Category.ROLLBACK, Severity.ERROR, {"postgresql", "mysql"})
def down_fails_on_new_values(ctx: AnalysisContext) -> Iterator[Issue]:
    """A down that narrows a type back fails on values written after the deploy.

    ## What it does
    On the copy of the base with seeded rows, after the change's ups, writes into each column the change
    widened (bigint after integer, text after varchar(n)) one value only the new type holds, as the
    application may once it is deployed, then runs the downs in reverse order. Reports the down that
    fails on that value, where the rollback on the empty database worked.

    ## Why is this risky?
    A rollback runs after the deploy, over the rows written since: a down that casts `bigint` back to
    `integer` or `text` back to `varchar(20)` fails on the first value that does not fit, and the
    rollback plan is gone when it is needed.

    ## Example
    ```sql
    -- 002.up.sql: ALTER TABLE events ALTER COLUMN id TYPE bigint;
    ALTER TABLE events ALTER COLUMN id TYPE integer;
    ```

    ## Use instead
    ```sql
    -- the down keeps the wider type: narrowing back is not a rollback the data allows
    SELECT 1;
    ```
    """
    seeded = ctx.replay.seeded if ctx.replay is not None else None
    if seeded is None or not seeded.written:
        return
    for run in seeded.down_runs:
        error = run.error
        if run.outcome is not Outcome.FAILED or error is None:
            continue
        written = _met(seeded.written, error.statement, error.table)
        if written is None:
            continue
        yield Issue(
            message=(
                f"the down of `{run.migration.name}` narrows `{written.table}.{written.column}` back from "
                f"{written.new_type} to {written.old_type} and fails on a value written after the deploy "
                f"({_shown(written.value)}, which only {written.new_type} holds): {error.message}. On the "
                "empty database the down worked."
            ),
            path=error.path,
            line=error.line,
            table=written.table,
            statement=error.statement,
            fix=(
                f"keep {written.new_type} in the down (a rollback does not need the narrower type back), or "
                f"make the down move or reject the values {written.old_type} cannot hold first"
            ),
            confirmed_by_replay=True,
        )


def _met(
    written: tuple[WrittenAfterDeploy, ...], statement: str, table: str | None
) -> WrittenAfterDeploy | None:
    text = statement.lower()
    for value in written:
        bare = value.table.rsplit(".", 1)[-1]
        named = table is None or table.rsplit(".", 1)[-1] == bare
        if named and bare.lower() in text and value.column.lower() in text:
            return value
    return None


def _shown(value: str) -> str:
    return f"a {len(value) - 2}-character text" if value.startswith("'") else value
