from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.backfill._common import BATCHED, is_outage, measured, unbatched
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, relation, walk


@rule(
    "BF004", "data-moved-between-tables", Category.BACKFILL, Severity.WARNING, {"postgresql"}, lintable=True
)
def data_moved_between_tables(ctx: AnalysisContext) -> Iterator[Issue]:
    """`INSERT … SELECT` copies the rows of an existing table in one go.

    ## What it does
    Reports `INSERT INTO … SELECT … FROM` that reads a table the change did not create, when the SELECT
    has no `WHERE` or the statement shares a transaction with one that locks an existing table against
    writes (ALTER TABLE, CREATE INDEX…). With the replay over seeded rows, it
    gives the rows copied and the time, scaled to production's row count.

    ## Why is this risky?
    The copy is one long transaction: it writes every row to the WAL at once (replicas fall behind), the
    target's locks and any DDL in the same transaction are held throughout, and rows the running
    application writes to the source after the copy's snapshot are not copied: the two tables silently
    disagree once the release that reads the new table is live.

    ## Example
    ```sql
    CREATE TABLE addresses (user_id bigint, street text);
    INSERT INTO addresses (user_id, street) SELECT id, street FROM users;
    ```

    ## Use instead
    ```sql
    CREATE TABLE addresses (user_id bigint PRIMARY KEY, street text);
    ```
    Then make the application write both tables, and copy the old rows from a job, one committed key
    range at a time:
    ```sql
    INSERT INTO addresses (user_id, street)
    SELECT id, street FROM users WHERE id >= 1 AND id < 10001
    ON CONFLICT (user_id) DO NOTHING;
    ```
    """
    for stmt in ctx.statements:
        select = fields(stmt.body.get("selectStmt", {}), "SelectStmt") if stmt.kind == "InsertStmt" else {}
        if not select or select.get("valuesLists"):
            continue
        target = relation(stmt.body["relation"])
        sources = sorted(
            {
                relation(node)
                for kind, node in walk(select.get("fromClause"))
                if kind == "RangeVar" and not ctx.is_new(relation(node))
            }
            - {target}
        )
        why = unbatched(ctx, stmt, select.get("whereClause"))
        if not sources or why is None:
            continue
        evidence, estimate = measured(ctx, stmt, sources[0])
        yield Issue(
            message=(
                f"`INSERT INTO {target}` copies the rows of {', '.join(f'`{s}`' for s in sources)} and "
                f"{why}; rows the application writes meanwhile are not copied.{evidence}"
            ),
            path=stmt.path,
            line=stmt.line,
            table=target,
            fix=f"write both tables from the application first, then {BATCHED}, with ON CONFLICT DO NOTHING",
            confirmed_by_replay=stmt.seeded_run is not None and bool(stmt.seeded_run.rows),
            statement=stmt.statement.text,
            severity=Severity.ERROR if is_outage(estimate) else None,
        )
