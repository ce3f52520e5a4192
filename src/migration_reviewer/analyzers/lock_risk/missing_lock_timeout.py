from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import duration
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import blocking_locks
from migration_reviewer.analyzers.registry import Option, rule
from migration_reviewer.analyzers.sql import SqlStatement
from migration_reviewer.wording import counted


@rule(
    "LK022",
    "missing-lock-timeout",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    options={"max-lock-timeout": Option(10.0, "seconds; a longer lock_timeout counts as none")},
    lintable=True,
)
def missing_lock_timeout(ctx: AnalysisContext, *, max_lock_timeout: float) -> Iterator[Issue]:
    """A migration takes a lock that blocks traffic without setting `lock_timeout` first.

    ## What it does
    Reports, once per migration, the first statement that takes a lock blocking writes or reads (SHARE or
    stronger) on an existing table when the migration has not set `lock_timeout` before it (`SET`,
    `SET LOCAL` in the same transaction, or `set_config`), or set it to 0 or to more than
    `max-lock-timeout` seconds.

    ## Why is this risky?
    A lock request waits behind every query already running on the table, and every query that arrives
    after it waits behind the request. Without a timeout, one long report query turns a one-millisecond
    `ALTER TABLE` into minutes of blocked traffic. With `lock_timeout`, the migration gives up instead, and
    can be retried.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    ALTER TABLE orders ADD COLUMN note text;
    ```

    ## Options
    - `max-lock-timeout` (seconds, default 10): a `lock_timeout` longer than this counts as none.
    """
    limit_ms = max_lock_timeout * 1000
    for statements in _by_migration(ctx):
        # A concurrent refresh takes EXCLUSIVE on a materialized view, which nothing writes to: its
        # readers never queue behind it.
        risky = [(stmt, blocking_locks(ctx, stmt)) for stmt in statements if not _concurrent_refresh(stmt)]
        unguarded = [
            (stmt, taken)
            for stmt, taken in risky
            if taken and not (stmt.lock_timeout_ms and stmt.lock_timeout_ms <= limit_ms)
        ]
        if not unguarded:
            continue
        stmt, taken = unguarded[0]
        table, mode = next(iter(taken.items()))
        setting = stmt.lock_timeout_ms
        why = "no lock_timeout is set" if not setting else f"lock_timeout is {duration(setting)}"
        others = len(unguarded) - 1
        more = f" ({counted(others, 'more statement')} of this migration too)" if others else ""
        yield Issue(
            message=f"This statement takes {mode.label} on `{table}` ({mode.blocks}) and {why}: if it waits "
            f"for a running query, {'every query' if mode.blocks_reads else 'every write'} on `{table}` "
            f"queues behind it{more}.",
            path=stmt.path,
            line=stmt.line,
            table=table,
            fix="start the migration with `SET lock_timeout = '2s';` (and retry the deploy if it times out)",
            statement=stmt.statement.text,
        )


def _concurrent_refresh(stmt: SqlStatement) -> bool:
    return stmt.kind == "RefreshMatViewStmt" and bool(stmt.body.get("concurrent"))


def _by_migration(ctx: AnalysisContext) -> Iterator[list[SqlStatement]]:
    current: list[SqlStatement] = []
    for stmt in ctx.statements:
        if current and current[0].migration.id != stmt.migration.id:
            yield current
            current = []
        current.append(stmt)
    if current:
        yield current
