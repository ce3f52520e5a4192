from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import duration
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.mysql._common import (
    ONLINE_TOOLS,
    converted_columns,
    ddl_statements,
    how_it_ran,
)
from migration_reviewer.analyzers.registry import rule

_SHOWN = 4


@rule("LK104", "mysql-charset-conversion", Category.LOCK, Severity.ERROR, {"mysql"})
def charset_conversion(ctx: AnalysisContext) -> Iterator[Issue]:
    """A character set or collation conversion of existing text columns: every row is rewritten.

    ## What it does
    Compares the collation of each text column before and after the change (both read from the
    replayed databases) and reports the `CONVERT TO CHARACTER SET` and `MODIFY … CHARACTER SET/COLLATE`
    statements that really changed it, with the algorithm the server accepted on a copy of the base.

    ## Why is this risky?
    Converting text rewrites every row and rebuilds every index over the columns, usually with
    `ALGORITHM=COPY`, which blocks writes for the whole time. Longer characters (utf8mb4 takes up to 4
    bytes) can push index keys past their limit, and a new collation changes which values count as
    equal, so a unique index may reject existing rows.

    ## Example
    ```sql
    ALTER TABLE customers CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    ```

    ## Use instead
    ```sql
    ALTER TABLE customers DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    ```
    Changing only the table's default is instant and applies to new columns; convert the existing
    columns with gh-ost or pt-online-schema-change, one table at a time.
    """
    for ddl in ddl_statements(ctx):
        changed = converted_columns(ctx, ddl)
        if not changed:
            continue
        ran = how_it_ran(ctx, ddl)
        if ran is not None and ran.form == "ALGORITHM=INSTANT":
            continue
        names = ", ".join(f"`{name}`" for name, _, _ in changed[:_SHOWN])
        more = f" and {len(changed) - _SHOWN} more" if len(changed) > _SHOWN else ""
        _, old, new = changed[0]
        message = f"converts {names}{more} of `{ddl.table}` from {old} to {new}: every row is rewritten"
        if ran is not None:
            message += f"; the server ran it with {ran.form} ({duration(ran.duration_ms)}"
            message += f" at {ran.rows:,} rows)" if ran.rows is not None else ")"
            message += ", blocking writes" if ran.blocks_writes else ""
        yield Issue(
            message=message,
            path=ddl.stmt.path,
            line=ddl.stmt.line,
            table=ddl.table,
            statement=ddl.stmt.statement.text,
            fix=f"convert large tables one at a time: {ONLINE_TOOLS}; check first that unique indexes "
            "still hold under the new collation",
            confirmed_by_replay=True,
            severity=Severity.ERROR if ran is None or ran.blocks_writes else Severity.WARNING,
        )
