from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import Wrapping
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement

_OPEN = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_CLOSE = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}


@rule("LK035", "transaction-left-open", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def transaction_left_open(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration file opens a transaction and never ends it.

    ## What it does
    Reports a `BEGIN` (or `START TRANSACTION`) with no `COMMIT` or `ROLLBACK` after it in the same SQL
    file (not in SQL that a framework's code sends, such as Alembic's). Not in a migration the runner
    wraps in its own transaction (dbmate, Supabase, Drizzle): there the `BEGIN` only warns and the
    runner's `COMMIT` ends the transaction.

    ## Why is this risky?
    What happens next depends on the runner: `psql -f` and most drivers roll the open transaction back
    when the session ends, so every statement after the `BEGIN` is silently undone while the runner
    records the migration as applied; a runner that keeps the session holds every lock taken since the
    `BEGIN` until something else commits, and the next migration runs inside the same transaction.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN nickname text;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN nickname text;
    COMMIT;
    ```
    """
    by_file: dict[str, list[SqlStatement]] = {}
    for stmt in ctx.statements:
        if stmt.migration.step is not None:  # the runner's code (Alembic) opens and ends its transactions
            continue
        if stmt.migration.wrapping in (Wrapping.PER_MIGRATION, Wrapping.BATCH):  # the runner commits
            continue
        by_file.setdefault(stmt.path, []).append(stmt)
    for statements in by_file.values():
        opened: SqlStatement | None = None
        for stmt in statements:
            if stmt.kind != "TransactionStmt":
                continue
            kind = stmt.body.get("kind")
            if kind in _OPEN and opened is None:
                opened = stmt
            elif kind in _CLOSE:
                opened = None
        if opened is not None:
            yield Issue(
                message=f"The transaction opened on line {opened.line} is never committed: when the session "
                "ends, everything after it is rolled back while the migration counts as applied.",
                path=opened.path,
                line=opened.line,
                fix="end the transaction with COMMIT at the end of the file, or drop the BEGIN and let the "
                "runner wrap the migration",
                statement=opened.statement.text,
            )
