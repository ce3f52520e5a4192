"""What several lock-risk rules read from statements: ALTER TABLE subcommands, the locks a statement
takes on existing tables, and whether its work grows with a table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.lock_risk._types import base_type, type_change_rewrites
from migration_reviewer.analyzers.locks import LockMode, predicted_locks
from migration_reviewer.analyzers.sql import Node, SqlStatement, fields, relation, type_of


def altered_table(stmt: SqlStatement) -> str | None:
    """The table an ALTER TABLE changes (not ALTER INDEX, VIEW, SEQUENCE…)."""
    return stmt.altered_table


def commands(stmt: SqlStatement, *subtypes: str) -> Iterator[Node]:
    """The ALTER TABLE subcommands of the given types (AT_AddColumn…), as their fields."""
    for cmd in stmt.alter_commands:
        if cmd.get("subtype") in subtypes:
            yield cmd


def added_constraints(stmt: SqlStatement) -> Iterator[Node]:
    """The constraints an ALTER TABLE adds, as Constraint fields."""
    for cmd in commands(stmt, "AT_AddConstraint"):
        constraint = fields(cmd.get("def", {}), "Constraint")
        if constraint:
            yield constraint


def column_constraints(column: Node, *contypes: str) -> Iterator[Node]:
    """The constraints of a ColumnDef (DEFAULT, NOT NULL, REFERENCES…) of the given types."""
    for node in column.get("constraints", ()):
        constraint = fields(node, "Constraint")
        if constraint.get("contype") in contypes:
            yield constraint


def blocking_locks(ctx: AnalysisContext, stmt: SqlStatement) -> Mapping[str, LockMode]:
    """Table → the strongest lock that blocks writes or reads the statement takes on a table that
    existed before the change (by its name before the change). What the replay saw when it ran the
    statement, else what the statement's kind takes. Several rules ask it of every statement: it is
    worked out once per statement."""
    key = ("blocking_locks", id(stmt))
    known: Mapping[str, LockMode] | None = ctx.derived.get(key)
    if known is None:
        known = ctx.derived[key] = _blocking_locks(ctx, stmt)
    return known  # shared by every rule that asks: read-only


def _blocking_locks(ctx: AnalysisContext, stmt: SqlStatement) -> dict[str, LockMode]:
    taken: dict[str, LockMode] = {}
    if stmt.applied and stmt.run is not None:
        pairs = [
            (lock.relation, LockMode.from_pg_locks(lock.mode))
            for lock in stmt.run.locks
            if lock.relkind in ("table", "partitioned table", "materialized view")
        ]
    else:
        pairs = [(ctx.table_of(name), mode) for name, mode in predicted_locks(stmt.tree)]
    for name, mode in pairs:
        table = ctx.canonical(name)
        if mode is None or not mode.blocks_writes or ctx.is_new(table):
            continue
        taken[table] = max(mode, taken.get(table, mode))
    return taken


def heavy_work(ctx: AnalysisContext, stmt: SqlStatement) -> str | None:
    """What the statement does that takes time in proportion to a table that existed before the change,
    in words; None when it is quick whatever the table's size. Worked out once per statement."""
    key = ("heavy_work", id(stmt))
    if key not in ctx.derived:
        ctx.derived[key] = _heavy_work(ctx, stmt)
    work: str | None = ctx.derived[key]
    return work


def _heavy_work(ctx: AnalysisContext, stmt: SqlStatement) -> str | None:
    body = stmt.body
    if stmt.kind in ("UpdateStmt", "DeleteStmt", "MergeStmt"):
        target = relation(body["relation"])
        verb = {"UpdateStmt": "updates", "DeleteStmt": "deletes", "MergeStmt": "merges into"}[stmt.kind]
        return None if ctx.is_new(target) else f"{verb} rows of `{target}`"
    if stmt.kind == "InsertStmt" and _selects(body.get("selectStmt")):
        return f"copies rows into `{relation(body['relation'])}`"
    if stmt.kind == "IndexStmt" and not body.get("concurrent"):
        indexed = relation(body["relation"])
        return None if ctx.is_new(indexed) else f"builds an index on `{indexed}`"
    if stmt.kind in ("VacuumStmt", "ClusterStmt", "RefreshMatViewStmt"):
        return "rewrites or scans a whole table"
    table = altered_table(stmt)
    if table is None or ctx.is_new(table):
        return None
    for cmd in commands(stmt, *_SLOW_COMMANDS):
        if cmd["subtype"] != "AT_AlterColumnType" or _type_change_rewrites(ctx, stmt, table, cmd):
            return _SLOW_COMMANDS[cmd["subtype"]].format(table=table)
    for constraint in added_constraints(stmt):
        validated = not constraint.get("skip_validation") and not constraint.get("indexname")
        if constraint.get("contype") in _VALIDATED_ON_ADD and validated:
            return f"checks or indexes every row of `{table}`"
    return None


_SLOW_COMMANDS = {
    "AT_AlterColumnType": "changes a column type of `{table}`",
    "AT_SetNotNull": "scans `{table}` for NULLs",
    "AT_ValidateConstraint": "validates a constraint over `{table}`",
}
# Constraints whose ADD reads every row (or builds an index) unless NOT VALID / USING INDEX.
_VALIDATED_ON_ADD = {"CONSTR_FOREIGN", "CONSTR_CHECK", "CONSTR_UNIQUE", "CONSTR_PRIMARY", "CONSTR_EXCLUSION"}


def _selects(query: Node | None) -> bool:
    """INSERT … SELECT (reads a table), as opposed to INSERT … VALUES."""
    select = fields(query, "SelectStmt") if query else {}
    return bool(select) and not select.get("valuesLists")


def _type_change_rewrites(ctx: AnalysisContext, stmt: SqlStatement, table: str, cmd: Node) -> bool:
    """What the replay saw, else what the types say (from the base schema: LK006 also follows the
    change's own earlier ADD COLUMNs)."""
    if stmt.applied and stmt.run is not None:
        return any(ctx.canonical(name) == ctx.canonical(table) for name in stmt.run.rewrites)
    definition = fields(cmd.get("def", {}), "ColumnDef")
    column = cmd.get("name", "")
    source = base_type(ctx, table, column)
    return type_change_rewrites(
        source, type_of(definition.get("typeName", {})), definition.get("raw_default"), column
    )
