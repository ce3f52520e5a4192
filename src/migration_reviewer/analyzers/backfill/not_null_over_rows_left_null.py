from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.backfill._common import NULLS_IN_THE_WAY, rows_in_the_way
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement, fields, relation


@rule("BF006", "not-null-over-rows-left-null", Category.BACKFILL, Severity.ERROR, {"postgresql"})
def not_null_over_rows_left_null(ctx: AnalysisContext) -> Iterator[Issue]:
    """`SET NOT NULL` fails over seeded rows because rows still hold NULL, also after the change's own
    backfill.

    ## What it does
    In the replay over seeded rows, counts the rows holding NULL in the column just before `ALTER COLUMN
    … SET NOT NULL` runs (after any backfill earlier in the change) and, where the statement fails on
    them, reports how many rows the backfill left NULL and the key of the first one.

    ## Why is this risky?
    A backfill whose `WHERE` misses some rows (only recent ones, only one status) looks complete on a
    development database; in production `SET NOT NULL` then fails half way through the deploy, after the
    backfill already ran and held its locks.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN plan text;
    UPDATE users SET plan = 'free' WHERE id < 100;
    ALTER TABLE users ALTER COLUMN plan SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN plan text;
    UPDATE users SET plan = 'free' WHERE plan IS NULL;
    ALTER TABLE users ALTER COLUMN plan SET NOT NULL;
    ```
    """
    backfills: dict[tuple[str, str], SqlStatement] = {}  # (table, column) → the last UPDATE setting it
    for stmt in ctx.statements:
        if stmt.kind == "UpdateStmt":
            table = relation(stmt.body["relation"])
            for target in stmt.body.get("targetList", ()):
                column = fields(target, "ResTarget").get("name")
                if column:
                    backfills[(table, column)] = stmt
            continue
        step = stmt.seeded_run
        if step is None or step.error is None or step.error.sqlstate != NULLS_IN_THE_WAY:
            continue
        evidence = rows_in_the_way(step)
        if evidence is None or stmt.altered_table is None:
            continue
        update = backfills.get((stmt.altered_table, evidence.column))
        first = f" (the first: `{evidence.null_key}`)" if evidence.null_key else ""
        share = f"{evidence.nulls:,} of {evidence.rows:,} seeded rows"
        if update is not None:
            said = (
                f"the backfill on line {update.line} leaves {share} with `{evidence.column}` NULL{first}, "
                "so SET NOT NULL fails on them"
            )
            fix = (
                f"make the backfill cover every row (`… WHERE {evidence.column} IS NULL`), or give the rows "
                f"it skips a value first; check production with `SELECT count(*) FROM {evidence.table} WHERE "
                f"{evidence.column} IS NULL` after the backfill"
            )
        else:
            said = f"{share} hold NULL in `{evidence.column}`{first}, so SET NOT NULL fails on them"
            fix = (
                f"backfill `{evidence.column}` first (`UPDATE {evidence.table} SET {evidence.column} = … "
                f"WHERE {evidence.column} IS NULL`, in batches), then SET NOT NULL"
            )
        yield Issue(
            message=f"`{evidence.table}.{evidence.column}`: {said} ({step.error.message}).",
            path=stmt.path,
            line=stmt.line,
            table=evidence.table,
            fix=fix,
            confirmed_by_replay=True,
            statement=stmt.statement.text,
            severity=None if update is not None else Severity.WARNING,
        )
