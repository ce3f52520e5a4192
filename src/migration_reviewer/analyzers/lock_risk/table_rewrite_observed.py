from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, held_mode, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement, has_option
from migration_reviewer.schema.model import display_name

# Statements whose rewrites other rules predict and report (LK005, LK006, LK017, LK018).
_COVERED_COMMANDS = ("AT_AddColumn", "AT_AlterColumnType")


@rule("LK025", "table-rewrite-observed", Category.LOCK, Severity.WARNING, {"postgresql"})
def table_rewrite_observed(ctx: AnalysisContext) -> Iterator[Issue]:
    """The replay saw a statement rewrite an existing table that no other rule explains.

    ## What it does
    Compares each table's storage file (`pg_class.relfilenode`) before and after every statement of the
    change, and reports rewrites of tables that existed before the change, except those the statement's
    own rule already reports (ADD COLUMN, ALTER COLUMN TYPE, VACUUM FULL, CLUSTER, TRUNCATE). It catches
    rewrites the SQL text hides: DDL inside a `DO` block or a function, `ALTER TABLE … SET LOGGED`,
    `SET TABLESPACE`, `SET ACCESS METHOD`, `REFRESH MATERIALIZED VIEW`.

    ## Why is this risky?
    A rewrite copies every row and rebuilds every index, nearly always under ACCESS EXCLUSIVE: the table
    can be neither read nor written until it ends.

    ## Example
    A `DO $$ BEGIN EXECUTE 'ALTER TABLE orders ALTER COLUMN id TYPE bigint'; END $$;` block: no rule sees
    through the string, the replay sees the new storage file.

    ## Use instead
    The online form of the operation the statement hides (see the rule for that operation), run outside
    the `DO` block so that it can be reviewed.
    """
    if ctx.before is None:
        return
    existing = {display_name(t.schema, t.name) for t in ctx.before.tables}
    for stmt in ctx.statements:
        if not stmt.applied or stmt.run is None or _covered(stmt):
            continue
        for name in stmt.run.rewrites:
            table = ctx.canonical(name)
            if table not in existing or ctx.is_new(table):
                continue
            mode = held_mode(ctx, stmt, table) or LockMode.ACCESS_EXCLUSIVE
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, mode, Work.REWRITE, rewrite=True),
                message=f"The replay saw this statement rewrite `{table}` (a new storage file).",
                fix="use the operation's online form, written out in the migration where it can be reviewed",
            )


def _covered(stmt: SqlStatement) -> bool:
    if stmt.kind in ("ClusterStmt", "TruncateStmt"):
        return True
    if stmt.kind == "VacuumStmt":
        return has_option(stmt.body.get("options"), "full")
    return any(True for _ in commands(stmt, *_COVERED_COMMANDS))
