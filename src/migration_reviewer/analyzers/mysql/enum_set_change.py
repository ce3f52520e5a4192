from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import duration
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.mysql._common import ONLINE_TOOLS, ddl_statements, how_it_ran, member_change
from migration_reviewer.analyzers.registry import rule


@rule("LK103", "mysql-enum-set-copy", Category.LOCK, Severity.ERROR, {"mysql"})
def enum_set_change(ctx: AnalysisContext) -> Iterator[Issue]:
    """An ENUM or SET change that makes MySQL copy the whole table.

    ## What it does
    Compares an ENUM or SET column's members before the change (from the replayed base schema) with
    the ones a `MODIFY` or `CHANGE COLUMN` gives it. Only appending members at the end, within the same
    storage size (255 ENUM members, 8, 16, 24, 32 or 64 SET members), is a metadata change; anything
    else (a removed, renamed or reordered member, a member inserted in the middle) rewrites every row.
    The replay's copy of the base says which algorithm the server really used.

    ## Why is this risky?
    The copy blocks writes to the table for as long as it runs. Removing a member also turns the rows
    that held it into empty strings (or fails in strict mode).

    ## Example
    ```sql
    -- status was ENUM('new', 'paid', 'shipped')
    ALTER TABLE orders MODIFY status ENUM('new', 'pending', 'paid', 'shipped') NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders MODIFY status ENUM('new', 'paid', 'shipped', 'pending') NOT NULL,
        ALGORITHM=INSTANT;
    ```
    New members go at the end; the order of an ENUM is only its sort order, which the application can
    set with `ORDER BY FIELD(...)`.
    """
    for ddl in ddl_statements(ctx):
        ran = how_it_ran(ctx, ddl)
        if ran is not None and not ran.copies:
            continue  # the server ran it without a copy after all
        for column, old, new, why in member_change(ctx, ddl):
            measured = (
                f" The replay's copy ran with {ran.form} in {duration(ran.duration_ms)}"
                + (f" at {ran.rows:,} rows." if ran.rows is not None else ".")
                if ran is not None and not ran.failed
                else ""
            )
            yield Issue(
                message=f"`{ddl.table}.{column}` goes from {_listed(old)} to {_listed(new)}: {why}, so MySQL "
                f"copies `{ddl.table}` row by row and blocks writes until it ends.{measured}",
                path=ddl.stmt.path,
                line=ddl.stmt.line,
                table=ddl.table,
                statement=ddl.stmt.statement.text,
                fix="keep the existing members in place and append new ones at the end (an INSTANT change); "
                f"to remove or reorder members, {ONLINE_TOOLS}",
                confirmed_by_replay=ran is not None,
            )


def _listed(members: list[str]) -> str:
    return "(" + ", ".join(f"'{m}'" for m in members) + ")"
