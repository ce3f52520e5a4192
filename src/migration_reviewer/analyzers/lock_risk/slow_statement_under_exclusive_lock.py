from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import duration, held_mode
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, blocking_locks, commands, heavy_work
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement


@rule(
    "LK021",
    "slow-statement-under-exclusive-lock",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def slow_statement_under_exclusive_lock(ctx: AnalysisContext) -> Iterator[Issue]:
    """A slow statement runs while its transaction holds ACCESS EXCLUSIVE on an existing table.

    ## What it does
    Follows each transaction and reports statements whose work grows with a table (a backfill UPDATE or
    DELETE, INSERT … SELECT, an index build, a validation, a type change) that run after an earlier
    statement of the same transaction took ACCESS EXCLUSIVE on an existing table the slow statement does
    not lock that way itself. With a replay, the measured time the lock was held is given.

    ## Why is this risky?
    The lock is held until commit, so the table it protects stays blocked for reads and writes for as long
    as the slow statement runs: a quick `ADD COLUMN` followed by its backfill in one transaction blocks the
    table for the whole backfill.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN total_cents bigint;
    UPDATE orders SET total_cents = total * 100;
    COMMIT;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN total_cents bigint;
    UPDATE orders SET total_cents = total * 100 WHERE id BETWEEN 1 AND 10000;
    ```
    Commit the DDL first; backfill afterwards in batches, each its own short transaction.
    """
    exclusive: dict[int, dict[str, SqlStatement]] = {}  # transaction → table → statement that locked it
    for stmt in ctx.statements:
        if stmt.transaction is None:
            continue
        held = exclusive.setdefault(stmt.transaction.id, {})
        takes = blocking_locks(ctx, stmt)
        work = heavy_work(ctx, stmt)
        # Validating on the very table the transaction locked is LK009's finding.
        validated = altered_table(stmt) if any(commands(stmt, "AT_ValidateConstraint")) else None
        blocked = [t for t in held if takes.get(t) is not LockMode.ACCESS_EXCLUSIVE and t != validated]
        if work is not None and blocked:
            table = blocked[0]
            locker = held[table]
            measured = ""
            hold = locker.run.lock_hold_ms if locker.run is not None else None
            if stmt.applied and hold is not None:
                measured = f" The replay held that lock {duration(hold)} in all."
            yield Issue(
                message=f"This statement {work} while the transaction holds ACCESS EXCLUSIVE on `{table}` "
                f"(taken at line {locker.line}): reads and writes of `{table}` wait until the transaction "
                "ends." + measured,
                path=stmt.path,
                line=stmt.line,
                table=table,
                fix="commit the DDL first, then do this in its own transaction (a backfill: in batches)",
                confirmed_by_replay=stmt.applied and held_mode(ctx, stmt, table) is LockMode.ACCESS_EXCLUSIVE,
                statement=stmt.statement.text,
            )
        for table, mode in takes.items():
            if mode is LockMode.ACCESS_EXCLUSIVE:
                held.setdefault(table, stmt)
