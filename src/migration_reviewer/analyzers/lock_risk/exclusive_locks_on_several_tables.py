from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import held_mode
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import blocking_locks, heavy_work
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule


@rule(
    "LK020",
    "exclusive-locks-on-several-tables",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def exclusive_locks_on_several_tables(ctx: AnalysisContext) -> Iterator[Issue]:
    """One transaction takes ACCESS EXCLUSIVE on several existing tables.

    ## What it does
    Follows each transaction (the runner's wrapping or the file's BEGIN … COMMIT) and reports the first
    statement that takes ACCESS EXCLUSIVE on an existing table while the transaction already holds it on
    another one. A statement that also does slow work is left to LK021.

    ## Why is this risky?
    Locks are held until commit. While the second statement waits for its lock (behind any long query on
    the second table), the first table stays blocked for reads and writes, so one slow query anywhere
    stalls both tables; and two deploys or jobs taking the same tables in the opposite order deadlock.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    ALTER TABLE customers ADD COLUMN note text;
    COMMIT;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    ALTER TABLE orders ADD COLUMN note text;
    ALTER TABLE customers ADD COLUMN note text;
    ```
    One table per transaction (each statement commits on its own here; with a runner that wraps each
    migration, one migration per table), each with a short `lock_timeout`.
    """
    held: dict[int, tuple[str, int]] = {}  # transaction → (first exclusively locked table, its line)
    reported: set[int] = set()
    for stmt in ctx.statements:
        if stmt.transaction is None:
            continue
        exclusive = [t for t, mode in blocking_locks(ctx, stmt).items() if mode is LockMode.ACCESS_EXCLUSIVE]
        tx = stmt.transaction.id
        first = held.get(tx)
        others = [t for t in exclusive if first is not None and t != first[0]]
        if first is None and exclusive:
            held[tx] = (exclusive[0], stmt.line)
        if not others or tx in reported or first is None or heavy_work(ctx, stmt) is not None:
            continue
        reported.add(tx)
        table, line = first
        confirmed = stmt.applied and held_mode(ctx, stmt, table) is LockMode.ACCESS_EXCLUSIVE
        yield Issue(
            message=f"This statement takes ACCESS EXCLUSIVE on `{others[0]}` while the transaction still "
            f"holds it on `{table}` (since line {line}): `{table}` stays blocked for reads and writes while "
            "this one waits for its lock, and jobs taking both tables in the other order deadlock.",
            path=stmt.path,
            line=stmt.line,
            table=others[0],
            fix="one table per transaction (split the migration), each with a short lock_timeout",
            confirmed_by_replay=confirmed,
            statement=stmt.statement.text,
        )
