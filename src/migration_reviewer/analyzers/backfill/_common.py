"""What the backfill rules share: whether a data statement runs in one go, and what the seeded replay
measured of it, scaled to production."""

from __future__ import annotations

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import OUTAGE_MS, duration
from migration_reviewer.analyzers.locks import LockMode, predicted_locks
from migration_reviewer.analyzers.sql import Node, SqlStatement, always_true
from migration_reviewer.replay.result import RowEvidence, StatementRun

# Statements that read or write rows, maintain storage, or only set up the session: everything else
# changes the schema.
_NOT_DDL = frozenset(
    {
        "UpdateStmt",
        "DeleteStmt",
        "InsertStmt",
        "SelectStmt",
        "MergeStmt",
        "TransactionStmt",
        "VariableSetStmt",
        "VariableShowStmt",
        "CopyStmt",
        "TruncateStmt",
        "VacuumStmt",
        "ClusterStmt",
        "ReindexStmt",
        "LockStmt",
        "CheckPointStmt",
        "ExplainStmt",
        "NotifyStmt",
        "DiscardStmt",
    }
)

BATCHED = (
    "backfill in batches by key range (`WHERE id >= $1 AND id < $1 + 10000`), each batch committed on its "
    "own, from a job or a migration that runs outside the DDL's transaction"
)


def changes_schema(stmt: SqlStatement) -> bool:
    return bool(stmt.kind) and stmt.kind not in _NOT_DDL


def ddl_in_transaction(ctx: AnalysisContext, stmt: SqlStatement) -> tuple[SqlStatement, str, LockMode] | None:
    """The first statement sharing the data statement's transaction that locks a table against writes,
    with that table and lock: held until the transaction commits, so for the whole data statement."""
    if stmt.transaction is None:
        return None
    for other in ctx.statements_by_transaction[stmt.transaction]:
        if other is stmt:
            continue
        for table, mode in predicted_locks(other.tree):
            if mode.blocks_writes and not ctx.is_new(table):
                return other, table, mode
    return None


def unbatched(ctx: AnalysisContext, stmt: SqlStatement, where: Node | None) -> str | None:
    """Why the data statement does all its rows at once, in words; None when it looks like one batch of
    a batched backfill (a WHERE, in its own transaction). `where` is the statement's row filter (for
    INSERT … SELECT, the SELECT's)."""
    reasons = []
    if not where:
        reasons.append("has no WHERE, so it touches every row in one transaction")
    elif always_true(where):
        reasons.append("has a WHERE that keeps every row, so it touches every row in one transaction")
    ddl = ddl_in_transaction(ctx, stmt)
    if ddl is not None:
        other, table, mode = ddl
        reasons.append(
            f"runs in one transaction with line {other.line}, whose {mode.label} lock on `{table}` "
            f"({mode.blocks}) lasts until the transaction commits"
        )
    return " and ".join(reasons) or None


def measured(ctx: AnalysisContext, stmt: SqlStatement, table: str) -> tuple[str, float | None]:
    """What the replay over seeded rows measured, and the estimate at production's row count (None when
    either is unknown)."""
    run = stmt.seeded_run
    seeded = ctx.seeded_rows(table)
    if run is None or run.rows is None or not seeded:
        return "", None
    text = (
        f" Replay over {seeded:,} seeded rows of `{table}`: it touched {run.rows:,} rows in "
        f"{duration(run.duration_ms)}."
    )
    production = ctx.production(table)
    if production is None:
        return text, None
    estimate = run.duration_ms * production.rows / seeded
    text += f" At {production.rows:,} production rows that is about {duration(estimate)} in one transaction."
    return text, estimate


def is_outage(estimate: float | None) -> bool:
    return estimate is not None and estimate >= OUTAGE_MS


# Errors over seeded rows that a backfill rule explains with the rows in the way (RowEvidence): NULLs under
# SET NOT NULL, and values a new type cannot take. RP004 leaves these to them.
NULLS_IN_THE_WAY = "23502"
VALUES_IN_THE_WAY = frozenset({"22P02", "22001", "22003", "22007", "22008", "22P05", "23514"})


def rows_in_the_way(step: StatementRun) -> RowEvidence | None:
    """The evidence of the column a failed statement met rows in the way in, where a rule reports it."""
    error = step.error
    if error is None or not step.evidence:
        return None
    for evidence in step.evidence:
        if error.sqlstate == NULLS_IN_THE_WAY and evidence.nulls and error.column in (None, evidence.column):
            return evidence
        if error.sqlstate in VALUES_IN_THE_WAY and evidence.values:
            return evidence
    return None
