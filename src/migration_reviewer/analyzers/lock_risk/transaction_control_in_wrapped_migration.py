from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from migration_reviewer.adapters.base import Wrapping
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement
from migration_reviewer.replay.result import Outcome

_ENDS = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}
# Statements after the author's COMMIT that change nothing a failure could leave half done.
_NOT_WORK = {"TransactionStmt", "VariableSetStmt", "VariableShowStmt"}


@rule(
    "LK038",
    "transaction-control-in-wrapped-migration",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def transaction_control_in_wrapped_migration(ctx: AnalysisContext) -> Iterator[Issue]:
    """`COMMIT` or `ROLLBACK` written in a migration the runner already runs in a transaction.

    ## What it does
    Reports, in a migration whose runner wraps it in a transaction (dbmate, Supabase, Drizzle's batch, a
    golang-migrate or Prisma file sent as one multi-statement query), a `COMMIT` (or `END`, `PREPARE
    TRANSACTION`) followed by more statements of the migration (of the batch, for Drizzle), and any
    `ROLLBACK`. In `review` the replay, which follows the server's transaction status, confirms it;
    `lint` knows the runner from `--wrapping` (its default, none, is a runner that does not wrap).
    A `BEGIN … COMMIT` around the whole file is not reported: the runner's own `COMMIT` then only
    warns. Runners that do not wrap (psql -f, plain SQL folders, dbmate's `transaction:false`) and the
    `BEGIN … END` of a PL/pgSQL block are not concerned.

    ## Why is this risky?
    The author's `COMMIT` ends the runner's transaction early. What follows runs outside it, one
    statement at a time: when one of them fails, the part before the `COMMIT` stays applied, the
    runner reports a failed migration it cannot roll back, and its record of applied migrations no
    longer matches the database; running the migration again fails on what the first part created.
    A `ROLLBACK` undoes the statements before it while the runner records the migration as applied.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
    COMMIT;
    UPDATE orders SET shipped_at = now() WHERE status = 'shipped';
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
    UPDATE orders SET shipped_at = now() WHERE status = 'shipped';
    ```
    The runner's transaction covers the whole migration. A statement that must commit before the rest
    (`ALTER TYPE … ADD VALUE`, `CREATE INDEX CONCURRENTLY`) goes in a migration of its own.
    """
    statements = [s for s in ctx.statements if s.migration.step is None]  # code runners: not SQL files
    sizes = Counter(s.migration.id for s in statements)
    reported: set[str] = set()
    for index, stmt in enumerate(statements):
        if stmt.kind != "TransactionStmt" or stmt.body.get("kind") not in _ENDS:
            continue
        if stmt.migration.id in reported or not _wrapped(stmt, sizes[stmt.migration.id]):
            continue
        scope = [
            later
            for later in statements[index + 1 :]
            if later.migration.id == stmt.migration.id
            or (stmt.migration.wrapping is Wrapping.BATCH and later.migration.wrapping is Wrapping.BATCH)
        ]
        work = [later for later in scope if later.kind not in _NOT_WORK]
        if stmt.body.get("kind") == "TRANS_STMT_ROLLBACK":
            yield _rollback(stmt, statements)
        elif work:
            yield _early_commit(stmt, work)
        else:
            continue
        # Only the first early end of a migration matters: what follows is already outside the runner's
        # transaction.
        reported.add(stmt.migration.id)


def _wrapped(stmt: SqlStatement, statements_in_migration: int) -> bool:
    """Whether the runner (not only the author's BEGIN) has a transaction open around `stmt`."""
    wrapping = stmt.migration.wrapping
    if wrapping is Wrapping.SCRIPT:  # one multi-statement query: an implicit transaction
        return statements_in_migration > 1
    return wrapping in (Wrapping.PER_MIGRATION, Wrapping.BATCH)


def _early_commit(stmt: SqlStatement, work: Sequence[SqlStatement]) -> Issue:
    lines = ", ".join(str(s.line) for s in work[:5]) + (" …" if len(work) > 5 else "")
    elsewhere = any(s.path != stmt.path for s in work)
    message = (
        f"`{_keyword(stmt)}` on line {stmt.line} ends the transaction the runner opened for "
        f"{'the batch' if elsewhere else 'this migration'}: what follows (line{'s' if len(work) > 1 else ''} "
        f"{lines}{' and the later migrations of the batch' if elsewhere else ''}) runs outside it, so a "
        "failure there leaves the part before it applied and the runner's record of the migration out "
        "of step."
    )
    confirmed = False
    failed = next((s for s in work if s.run is not None and s.run.error is not None), None)
    if stmt.applied and failed is not None:
        message += (
            f" The replay shows it: line {failed.line} failed and what ran before the "
            f"`{_keyword(stmt)}` stayed committed."
        )
        confirmed = True
    elif stmt.applied and any(s.run is not None and s.applied and not s.run.in_transaction for s in work):
        message += " The replay ran the statements after it outside any transaction."
        confirmed = True
    return Issue(
        message=message,
        path=stmt.path,
        line=stmt.line,
        fix="remove BEGIN/COMMIT from the file and let the runner's transaction cover the whole "
        "migration; a statement that must commit before the rest (ALTER TYPE … ADD VALUE, CREATE INDEX "
        "CONCURRENTLY) goes in a migration of its own",
        statement=stmt.statement.text,
        confirmed_by_replay=confirmed,
    )


def _rollback(stmt: SqlStatement, statements: Sequence[SqlStatement]) -> Issue:
    message = (
        f"`{_keyword(stmt)}` on line {stmt.line} rolls back the runner's transaction: what the migration "
        "did before it is undone, yet the runner records the migration as applied."
    )
    undone = [
        s
        for s in statements
        if s.migration.id == stmt.migration.id
        and s.line < stmt.line
        and s.run is not None
        and s.run.outcome is Outcome.ROLLED_BACK
        and s.kind != "TransactionStmt"
    ]
    if stmt.applied and undone:
        message += (
            f" The replay rolled back line{'s' if len(undone) > 1 else ''} "
            + ", ".join(str(s.line) for s in undone[:5])
            + "."
        )
    return Issue(
        message=message,
        path=stmt.path,
        line=stmt.line,
        fix="remove the ROLLBACK: to try a change without keeping it, run it outside the migrations",
        statement=stmt.statement.text,
        confirmed_by_replay=bool(stmt.applied and undone),
        severity=Severity.ERROR,
    )


def _keyword(stmt: SqlStatement) -> str:
    """COMMIT, END, ROLLBACK, ABORT or PREPARE, as the author wrote it."""
    return stmt.statement.text.split(None, 1)[0].rstrip(";").upper()
