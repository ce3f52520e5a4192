"""Lock-risk issues that say what the statement does to a table, what the lock blocks, what the replay
measured, and what that means at production size.

A rule states its static prediction (a `Risk`: table, lock mode, the per-row work done under it, whether
the table is rewritten). The replay then confirms it (the lock or the rewrite was observed: the issue says
`confirmed_by_replay`), or contradicts it (the statement ran and PostgreSQL did not do it: the issue is
kept as a note that says so), or says nothing (the statement was not replayed, or failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Issue, Severity
from migration_reviewer.analyzers.locks import LockMode, predicted_locks
from migration_reviewer.analyzers.sql import SqlStatement


class Work(StrEnum):
    """What a statement does row by row while it holds its lock: the part that grows with the table."""

    REWRITE = "rewrites every row and rebuilds the indexes"
    SCAN = "reads every row to check it"
    INDEX = "builds the index over every row"


# Rows per second PostgreSQL gets through on ordinary hardware, used for an estimate when no seeded replay
# measured the statement. Deliberately round: the report calls such an estimate rough.
_ROWS_PER_SECOND = {Work.REWRITE: 200_000, Work.SCAN: 1_000_000, Work.INDEX: 300_000}

# Traffic blocked this long is an outage, not a hiccup: the finding becomes an error.
OUTAGE_MS = 10_000.0


@dataclass(frozen=True)
class Risk:
    table: str
    mode: LockMode
    work: Work | None = None  # None: the lock is brief, whatever the table's size
    rewrite: bool = False  # the table's storage is rewritten (the replay sees a new relfilenode)


def lock_issue(
    ctx: AnalysisContext,
    stmt: SqlStatement,
    risk: Risk,
    *,
    message: str,
    fix: str,
    severity: Severity | None = None,
) -> Issue:
    """`message` says what the statement does; the rest is added here. The lock is named as every rule
    names this statement's lock (`statement_lock`), unless the replay contradicts the rule's claim."""
    confirmed, doubt = judge(ctx, stmt, risk)
    mode = risk.mode if doubt else statement_lock(ctx, stmt, risk.table) or risk.mode
    during = f" while it {risk.work.value}" if risk.work else ""
    text = f"{message} It holds {mode.label} on `{risk.table}`{during}: {mode.blocks}."
    measured, estimate_ms = _measurements(ctx, stmt, risk)
    text += measured
    if doubt:
        text += f" The replay contradicts this: {doubt}; kept as a note."
        severity = Severity.INFO
    elif estimate_ms is not None and estimate_ms >= OUTAGE_MS:
        severity = Severity.ERROR
    return Issue(
        message=text,
        path=stmt.path,
        line=stmt.line,
        table=risk.table,
        fix=fix,
        confirmed_by_replay=confirmed,
        statement=stmt.statement.text,
        severity=severity,
    )


def judge(ctx: AnalysisContext, stmt: SqlStatement, risk: Risk) -> tuple[bool, str | None]:
    """(confirmed, why not) from the replay: no opinion when the statement was not replayed or failed."""
    if not stmt.applied or stmt.run is None:
        return False, None
    if risk.rewrite:
        rewritten = any(
            ctx.canonical(name) == ctx.canonical(risk.table)
            for run in (stmt.run, stmt.seeded_run)
            if run is not None
            for name in run.rewrites
        )
        return (True, None) if rewritten else (False, f"PostgreSQL did not rewrite `{risk.table}`")
    held = held_mode(ctx, stmt, risk.table)
    if held is not None and held >= risk.mode:
        return True, None
    return False, f"no {risk.mode.label} lock on `{risk.table}` was seen"


def statement_lock(ctx: AnalysisContext, stmt: SqlStatement, table: str | None = None) -> LockMode | None:
    """The lock the statement takes on `table` (None: the strongest it takes on any table), the one name
    every rule and the report use for it: what the replay saw the statement take, else what PostgreSQL's
    documentation says its kind takes (`predicted_locks`, one table of ALTER TABLE subcommands)."""
    if ctx.migration_set.dialect.value != "postgresql":
        return None
    wanted = ctx.canonical(table) if table else None

    def strongest(pairs: list[tuple[str, LockMode | None]]) -> LockMode | None:
        modes = [m for name, m in pairs if m and (wanted is None or ctx.canonical(name) == wanted)]
        return max(modes, default=None)

    if stmt.applied and stmt.run is not None:
        # Some runners (Alembic's) report every lock the transaction holds after each statement: the
        # statement's own are those no earlier statement of its transaction held.
        earlier = {
            (lock.relation, lock.mode)
            for other in _transaction_so_far(ctx, stmt)
            if other is not stmt and other.run is not None
            for lock in other.run.locks
        }
        seen = strongest(
            [
                (lock.relation, LockMode.from_pg_locks(lock.mode))
                for lock in stmt.run.locks
                if lock.relkind in ("table", "partitioned table", "materialized view")
                and (lock.relation, lock.mode) not in earlier
            ]
        )
        if seen is not None:
            return seen
    return strongest([(ctx.table_of(name), mode) for name, mode in predicted_locks(stmt.tree)])


def held_mode(ctx: AnalysisContext, stmt: SqlStatement, table: str) -> LockMode | None:
    """The strongest lock on `table` the replay saw the statement's transaction hold once it ran (locks
    taken earlier in the transaction are not taken again, so they count too)."""
    strongest = None
    table = ctx.canonical(table)
    for other in _transaction_so_far(ctx, stmt):
        for lock in other.run.locks if other.run is not None else ():
            mode = LockMode.from_pg_locks(lock.mode)
            if (
                ctx.canonical(lock.relation) == table
                and mode is not None
                and (strongest is None or mode > strongest)
            ):
                strongest = mode
    return strongest


def _transaction_so_far(ctx: AnalysisContext, stmt: SqlStatement) -> list[SqlStatement]:
    if stmt.transaction is None:
        return [stmt]
    earlier = []
    for other in ctx.statements:
        if other.transaction == stmt.transaction:
            earlier.append(other)
        if other is stmt:
            break
    return earlier


def _measurements(ctx: AnalysisContext, stmt: SqlStatement, risk: Risk) -> tuple[str, float | None]:
    """What the replay measured, and the estimate for production's row count (None: no estimate)."""
    text = ""
    run = stmt.timed_run
    rows: int | None = None
    if run is not None:
        seeded = run is stmt.seeded_run
        if seeded:
            rows = ctx.seeded_rows(risk.table)
        else:
            existing = ctx.existing_table(risk.table)
            rows = existing.row_estimate if existing else None
        held = run.lock_hold_ms if run.lock_hold_ms is not None else run.duration_ms
        at = f" at {rows:,} rows" if rows is not None else ""
        took = duration(run.duration_ms)
        text = f" Replay: the statement took {took}{at}; its locks were held {duration(held)}."
    production = ctx.production(risk.table)
    if production is None or risk.work is None:
        return text, None
    if run is not None and rows:
        estimate = run.duration_ms * production.rows / rows
        text += f" At {production.rows:,} production rows that is about {duration(estimate)}."
    else:
        estimate = production.rows / _ROWS_PER_SECOND[risk.work] * 1000
        text += (
            f" At {production.rows:,} production rows, roughly {duration(estimate)} "
            f"(assuming ~{_ROWS_PER_SECOND[risk.work]:,} rows/s)."
        )
    return text, estimate


def duration(ms: float) -> str:
    if ms < 1:
        return "under 1 ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:.0f} min"
    return f"{ms / 3_600_000:.1f} h"
