from __future__ import annotations

from collections.abc import Iterator

import pglast
from pglast import ast, enums

from migration_reviewer.analyzers.backfill._common import rows_in_the_way
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome, ReplayError


@rule("RP004", "fails-with-data", Category.REPLAY, Severity.WARNING, dialects={"postgresql"})
def fails_with_data(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration that works on empty tables fails once the tables hold rows.

    ## What it does
    Replays the change a second time on a copy of the base whose touched tables hold synthetic rows
    (following the column types and the base schema's constraints, with NULLs in nullable columns and
    repeated values in columns without a unique constraint), and reports each migration that applied on
    the empty database but fails here, with the query that tells whether production's data would fail
    the same way.

    ## Why is this risky?
    Tests and development databases are nearly empty; production is not. A NOT NULL column added without
    a default fails on any table with a row; SET NOT NULL, a unique index, a foreign key or a cast fail
    on the first row that breaks them, in the middle of a deploy.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN plan text NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';
    ```
    """
    seeded = ctx.replay.seeded if ctx.replay else None
    if ctx.replay is None or seeded is None:
        return
    applied_empty = {run.migration.id for run in ctx.replay.runs if run.outcome is Outcome.APPLIED}
    for run in seeded.runs:
        error = run.error
        if run.outcome is not Outcome.FAILED or error is None or run.migration.id not in applied_empty:
            continue
        # Integrity (23…) and data (22…) errors come from the rows; anything else is the knock-on effect
        # of an earlier failure in this experiment (a table that was never created, say).
        if not (error.sqlstate or "").startswith(("22", "23")):
            continue
        if any(rows_in_the_way(step) for step in run.statements if step.error is not None):
            continue  # BF006 and BF007 name the rows in the way
        certain = _fails_on_any_row(error)
        rows = ctx.seeded_rows(error.table) if error.table else None
        held = f" ({rows:,} synthetic rows here)" if rows else ""
        yield Issue(
            message=f"`{run.migration.name}` fails once `{error.table or 'the table'}` holds rows"
            f"{held}: {error.message}"
            + ("" if certain else "; production fails the same way if its data has such rows"),
            path=error.path,
            line=error.line,
            table=error.table,
            statement=error.statement,
            fix=_fix(error, certain),
            confirmed_by_replay=True,
            severity=Severity.ERROR if certain else None,
        )


def _fails_on_any_row(error: ReplayError) -> bool:
    """A NOT NULL column added without a default fails whatever the rows hold, as long as there is one."""
    if error.sqlstate != "23502":
        return False
    try:
        statements = pglast.parse_sql(error.statement)
    except pglast.parser.ParseError:
        return False
    for raw in statements:
        node = raw.stmt
        if not isinstance(node, ast.AlterTableStmt):
            continue
        for command in node.cmds or ():
            if command.subtype != enums.AlterTableType.AT_AddColumn or not isinstance(
                command.def_, ast.ColumnDef
            ):
                continue
            kinds = {c.contype for c in command.def_.constraints or ()}
            if command.def_.colname == error.column and enums.ConstrType.CONSTR_NOTNULL in kinds:
                return enums.ConstrType.CONSTR_DEFAULT not in kinds
    return False


def _fix(error: ReplayError, certain: bool) -> str:
    table = error.table or "the table"
    column = error.column or "the column"
    if certain:
        return (
            f"add the column with a DEFAULT, or add it nullable, backfill `{column}` in batches, then "
            "SET NOT NULL after a validated CHECK (column IS NOT NULL)"
        )
    if error.sqlstate == "23502":
        return f"check first: `SELECT count(*) FROM {table} WHERE {column} IS NULL`; backfill, then NOT NULL"
    if error.sqlstate == "23505":
        return (
            f"check first for duplicates under the new unique key of `{table}` "
            "(`SELECT key_columns, count(*) … GROUP BY key_columns HAVING count(*) > 1`) and clean them up"
        )
    if error.sqlstate == "23503":
        return (
            f"check first for rows of `{table}` with no parent row; add the foreign key NOT VALID and "
            "VALIDATE it after cleaning them up"
        )
    if error.sqlstate == "23514":
        return (
            f"check first which rows of `{table}` break `{error.constraint or 'the constraint'}`; add it NOT "
            "VALID, fix the rows, then VALIDATE"
        )
    return f"check first which rows of `{table}` the statement cannot convert, and fix them before the deploy"
