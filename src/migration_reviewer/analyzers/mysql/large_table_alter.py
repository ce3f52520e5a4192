from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import duration
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.mysql._common import ONLINE_TOOLS, ddl_statements, how_it_ran
from migration_reviewer.analyzers.registry import Option, rule


@rule(
    "LK105",
    "mysql-large-table-alter",
    Category.LOCK,
    Severity.WARNING,
    {"mysql"},
    options={
        "large-table-rows": Option(1_000_000, "production rows from which a rebuild needs an online tool")
    },
)
def large_table_alter(ctx: AnalysisContext, *, large_table_rows: int) -> Iterator[Issue]:
    """An ALTER that rebuilds a large production table: run it with gh-ost or pt-online-schema-change.

    ## What it does
    Reports ALTERs that rebuild their table (the replay saw InnoDB give it a new table id: a COPY, or an
    INPLACE rebuild such as a new primary key or NULL to NOT NULL) when the table holds at least
    `large-table-rows` rows in production (from the `table-rows` setting), with the time the rebuild
    would take there, scaled from the replay over seeded rows.

    ## Why is this risky?
    Even an online (INPLACE, LOCK=NONE) rebuild reads and writes the whole table, keeps a log of the
    writes made meanwhile that must fit in `innodb_online_alter_log_max_size`, and takes an exclusive
    metadata lock at the start and the end. Replicas apply the ALTER only once it has finished on the
    primary, and apply it in one piece: they lag by the whole rebuild.

    ## Example
    ```sql
    -- orders holds 50 million rows
    ALTER TABLE orders MODIFY customer_id BIGINT NOT NULL;
    ```

    ## Use instead
    ```sql
    -- gh-ost --alter "MODIFY customer_id BIGINT NOT NULL" --table orders --execute
    SELECT 1;
    ```
    Online schema change tools copy the table in small chunks, throttle on replica lag, and swap the
    tables with a brief lock; the migration itself then only records that the change happened.

    ## Options
    - `large-table-rows`: production rows from which a rebuild is reported (default 1,000,000).
    """
    for ddl in ddl_statements(ctx):
        production = ctx.production(ddl.table)
        ran = how_it_ran(ctx, ddl)
        if production is None or production.rows < large_table_rows or ran is None or not ran.rebuilt:
            continue
        estimate = ""
        if ran.rows:
            scaled = duration(ran.duration_ms * production.rows / ran.rows)
            estimate = f" (about {scaled}, scaled from the replay's {ran.rows:,} seeded rows)"
        yield Issue(
            message=f"`{ddl.verb}` rebuilds `{ddl.table}`, {production.rows:,} rows in production{estimate}; "
            f"the server ran it with {ran.form or 'the algorithm it chose'}, and replicas apply it in one "
            "piece after the primary, lagging as long",
            path=ddl.stmt.path,
            line=ddl.stmt.line,
            table=ddl.table,
            statement=ddl.stmt.statement.text,
            fix=ONLINE_TOOLS,
            confirmed_by_replay=True,
            severity=Severity.ERROR if ran.blocks_writes else None,
        )
