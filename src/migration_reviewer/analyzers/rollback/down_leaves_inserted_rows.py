from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome

_INSERT = (
    r"\b(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?(?:IGNORE\s+)?INTO\s+"
    r"""[`"\[]?(?:\w+[`"\]]?\.[`"\[]?)?{name}[`"\]]?"""
)


@rule("RB007", "down-leaves-inserted-rows", Category.ROLLBACK, Severity.WARNING)
def down_leaves_inserted_rows(ctx: AnalysisContext) -> Iterator[Issue]:
    """An up migration inserts rows that its down does not delete.

    ## What it does
    Counts the rows of the tables the change touches on the copy of the base with seeded rows, before
    the ups and after the downs (run in reverse order), and reports a table of the base that holds more
    rows after the rollback than before, where the change inserts into it.

    ## Why is this risky?
    After a rollback the rows stay: seed data for a feature that is gone, lookup values the old code
    does not know, or a unique key that makes the next deploy's insert fail.

    ## Example
    ```sql
    -- 002.up.sql: INSERT INTO plans (name) VALUES ('team');
    SELECT 1;
    ```

    ## Use instead
    ```sql
    DELETE FROM plans WHERE name = 'team';
    ```
    """
    seeded = ctx.replay.seeded if ctx.replay is not None else None
    if seeded is None or not seeded.down_runs:
        return
    if any(run.outcome is not Outcome.APPLIED for run in seeded.down_runs):
        return  # RB001 or RB006: the rollback did not get through
    for table, before in seeded.rows_before.items():
        after = seeded.rows_after_down.get(table)
        if after is None or after <= before:
            continue
        inserting = re.compile(_INSERT.format(name=re.escape(table.rsplit(".", 1)[-1])), re.I)
        insert = next((s for s in ctx.statements if inserting.search(s.statement.text)), None)
        if insert is None:
            continue
        left = after - before
        down = next((m for m in ctx.migration_set.new_migrations if m.id == insert.migration.id), None)
        down_path = down.down[0].path if down is not None and down.down else "its down"
        yield Issue(
            message=(
                f"`{insert.migration.name}` inserts into `{table}` (line {insert.line}) and its down does "
                f"not delete those rows: `{table}` held {before:,} rows before the up and {after:,} after "
                f"the down, {left:,} left behind by the rollback."
            ),
            path=insert.path,
            line=insert.line,
            table=table,
            statement=insert.statement.text,
            fix=(
                f"delete in `{down_path}` what the up inserted (`DELETE FROM {table} WHERE …` naming those "
                "rows)"
            ),
            confirmed_by_replay=True,
        )
