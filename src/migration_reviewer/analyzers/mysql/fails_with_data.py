from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.mysql._common import (
    Ddl,
    column_before,
    ddl_statements,
    default_of,
    is_not_null,
    members,
    modified_columns,
)
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import Outcome, RowEvidence

_ERRNO = re.compile(r"MySQL error (\d+)")
# Errors of the rows, in strict mode: truncated, out of range, too long, an incorrect value, a duplicate,
# a missing parent, a CHECK. NULL where none is allowed is BF101's.
_DATA_ERRORS = {1062, 1264, 1265, 1292, 1366, 1406, 1452, 3819, 4025}
_SHOWN_VALUES = 5


@rule("BF102", "mysql-fails-with-data", Category.BACKFILL, Severity.ERROR, {"mysql"})
def mysql_fails_with_data(ctx: AnalysisContext) -> Iterator[Issue]:
    """An ALTER that works on the empty database fails in strict mode once the table holds rows.

    ## What it does
    Replays the change on a copy of the base whose tables hold seeded rows and reports the `ALTER TABLE`
    that the rows stop there (a VARCHAR made an ENUM whose members the rows do not all hold, a column
    narrowed below its values, a unique key over duplicates): the server's error, the values the rows
    hold with their counts, and the algorithm the server had accepted for it, so the lock it would take
    is still said.

    ## Why is this risky?
    In strict mode the statement fails half way through the deploy, after copying part of the table;
    without strict mode MySQL truncates the values instead, silently: `'archived'` becomes `''`.

    ## Example
    ```sql
    ALTER TABLE orders MODIFY state ENUM('new', 'paid') NOT NULL;
    ```
    (the rows also hold `shipped`)

    ## Use instead
    ```sql
    ALTER TABLE orders MODIFY state ENUM('new', 'paid', 'shipped') NOT NULL;
    ```
    Or move the rows to a member first (`UPDATE orders SET state = 'paid' WHERE state NOT IN ('new',
    'paid')`, in batches), then change the type.
    """
    applied = {id(stmt.statement) for stmt in ctx.statements if stmt.applied}
    for ddl in ddl_statements(ctx):
        step = ddl.stmt.seeded_run
        if step is None or step.outcome is not Outcome.FAILED or step.error is None:
            continue
        errno = _ERRNO.search(step.error.detail or "")
        if errno is None or int(errno.group(1)) not in _DATA_ERRORS or id(ddl.stmt.statement) not in applied:
            continue
        if _made_not_null(ctx, ddl):
            continue  # BF101 says it, with the NULLs
        held = ""
        update = f"UPDATE {ddl.table} SET … WHERE <the rows the new definition rejects>"
        for old_name, column in modified_columns(ddl):
            evidence = next((e for e in step.evidence if e.column == old_name), None)
            if evidence is None:
                continue
            kept = members(column.args["kind"].sql("mysql")) if column.args.get("kind") else []
            held = _held(evidence, kept)
            if kept:
                listed = ", ".join(f"'{m}'" for m in kept)
                update = f"UPDATE {ddl.table} SET {old_name} = … WHERE {old_name} NOT IN ({listed})"
        algorithm = (
            f" The server had accepted it as {step.form}, which blocks writes for as long as it runs."
            if step.form
            else ""
        )
        yield Issue(
            message=(
                f"`{ddl.verb}` on `{ddl.table}` fails once the table holds rows, in strict mode: "
                f"{step.error.message}{held}.{algorithm} Without strict mode MySQL would truncate the values "
                "silently instead."
            ),
            path=ddl.stmt.path,
            line=ddl.stmt.line,
            table=ddl.table,
            statement=ddl.stmt.statement.text,
            fix=f"fix the rows first, in batches (`{update}`), or widen the new definition to hold them",
            confirmed_by_replay=True,
        )


def _made_not_null(ctx: AnalysisContext, ddl: Ddl) -> bool:
    for old_name, column in modified_columns(ddl):
        before = column_before(ctx, ddl.table, old_name)
        if before is not None and before.nullable and is_not_null(column) and default_of(column) is None:
            return True
    return False


def _held(evidence: RowEvidence, kept: list[str]) -> str:
    """The values in the way: those not among the new members, else the most held."""
    values = [(v, n) for v, n in evidence.values if v not in kept] if kept else list(evidence.values)
    if not values:
        return ""
    shown = ", ".join(f"`{v}` ({n:,} rows)" for v, n in values[:_SHOWN_VALUES])
    more = len(values) - _SHOWN_VALUES
    what = "values outside the new members" if kept else "values"
    return (
        f"; of {evidence.rows:,} seeded rows, `{evidence.column}` holds {what} {shown}"
        + (f" and {more:,} more" if more > 0 else "")
    )
