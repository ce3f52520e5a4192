from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import blocking_locks, heavy_work
from migration_reviewer.analyzers.registry import rule


@rule("LK023", "missing-statement-timeout", Category.LOCK, Severity.INFO, {"postgresql"}, lintable=True)
def missing_statement_timeout(ctx: AnalysisContext) -> Iterator[Issue]:
    """Slow work under a lock that blocks traffic, without a `statement_timeout`.

    ## What it does
    Reports, once per migration, the first statement that does work growing with an existing table (an
    index build, a rewrite, a validation) while holding a lock that blocks writes or reads, when the
    migration has not set `statement_timeout` before it.

    ## Why is this risky?
    If the table is bigger than expected, nothing stops the statement: traffic stays blocked until it
    ends. A `statement_timeout` caps the outage; the migration fails and can be redone the safe way.

    ## Example
    ```sql
    CREATE INDEX orders_status_idx ON orders (status);
    ```

    ## Use instead
    ```sql
    SET statement_timeout = '5s';
    CREATE INDEX orders_status_idx ON orders (status);
    ```
    (Better still, `CREATE INDEX CONCURRENTLY`: see LK001.)
    """
    seen: set[str] = set()
    for stmt in ctx.statements:
        if stmt.migration.id in seen or stmt.statement_timeout_ms:
            continue
        work = heavy_work(ctx, stmt)
        taken = blocking_locks(ctx, stmt)
        if work is None or not taken:
            continue
        seen.add(stmt.migration.id)
        table, mode = next(iter(taken.items()))
        yield Issue(
            message=f"This statement {work} holding {mode.label} on `{table}` ({mode.blocks}) with no "
            "statement_timeout: nothing caps how long traffic waits if the table is bigger than expected.",
            path=stmt.path,
            line=stmt.line,
            table=table,
            fix="set `statement_timeout` before it (e.g. `SET statement_timeout = '5s';`), or make it online",
            statement=stmt.statement.text,
        )
