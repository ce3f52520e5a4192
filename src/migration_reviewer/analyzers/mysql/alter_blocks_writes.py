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
    member_change,
)
from migration_reviewer.analyzers.registry import rule


@rule("LK101", "mysql-alter-blocks-writes", Category.LOCK, Severity.ERROR, {"mysql"})
def alter_blocks_writes(ctx: AnalysisContext) -> Iterator[Issue]:
    """An ALTER that MySQL cannot run online: the server itself refused INSTANT and INPLACE without locks.

    ## What it does
    Replays the change on a copy of the base whose tables hold rows, and runs each `ALTER TABLE`,
    `CREATE INDEX` and `DROP INDEX` on an existing table with `ALGORITHM=INSTANT` first, then
    `ALGORITHM=INPLACE, LOCK=NONE`, `INPLACE, LOCK=SHARED` and `COPY, LOCK=SHARED`: the first form the
    server accepts is how it runs the statement as written. Reports the statements that end up blocking
    writes (a copy, or an in-place change that needs LOCK=SHARED), with the time the replay measured.
    This is the server's own answer, for its version, not a table of rules.

    ## Why is this risky?
    `ALGORITHM=COPY` builds a new copy of the table row by row and, all that time, lets no INSERT, UPDATE
    or DELETE through: on a large table that is minutes to hours of failed writes. Replicas then replay
    the same copy, and lag behind by as long.

    ## Example
    ```sql
    ALTER TABLE orders MODIFY total DECIMAL(12, 2) NOT NULL;
    ```
    (changing a column's type copies the table)

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN total_cents BIGINT NULL, ALGORITHM=INSTANT;
    ```
    Add a new column (INSTANT), backfill it in batches, move the application to it, drop the old column
    later; or run the type change with gh-ost or pt-online-schema-change.
    """
    for ddl in ddl_statements(ctx):
        ran = how_it_ran(ctx, ddl)
        if ran is None or not ran.blocks_writes:
            continue
        if any(member_change(ctx, ddl)) or converted_columns(ctx, ddl):
            continue  # LK103 and LK104 say why, and what to do instead
        rows = f" at {ran.rows:,} rows" if ran.rows is not None else ""
        rebuilt = ", rebuilding the table" if ran.rebuilt else ""
        measured = (
            "Replay: the seeded rows then stopped it (BF102)."
            if ran.failed
            else f"Replay: {duration(ran.duration_ms)}{rows}{rebuilt}."
        )
        message = (
            f"`{ddl.verb}` on `{ddl.table}` cannot run online: the server refused ALGORITHM=INSTANT and "
            f"INPLACE with LOCK=NONE, and {'accepted' if ran.failed else 'ran it with'} {ran.form}, which "
            f"blocks writes to `{ddl.table}` "
            f"(reads go on{'' if 'EXCLUSIVE' not in (ran.form or '') else ' only until it starts'}) for as "
            f"long as it runs. {measured}"
        )
        production = ctx.production(ddl.table)
        if production is not None and ran.rows and not ran.failed:
            estimate = ran.duration_ms * production.rows / ran.rows
            message += f" At {production.rows:,} production rows that is about {duration(estimate)}."
        yield Issue(
            message=message,
            path=ddl.stmt.path,
            line=ddl.stmt.line,
            table=ddl.table,
            statement=ddl.stmt.statement.text,
            fix=f"split the change into steps the server runs INSTANT or INPLACE, or {ONLINE_TOOLS}",
            confirmed_by_replay=True,
            severity=Severity.ERROR if ran.copies else Severity.WARNING,
        )
