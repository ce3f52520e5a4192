"""What the schema-design rules share: the head schema's tables the change adds or alters, and the
statement to point at for each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Issue
from migration_reviewer.analyzers.sql import SqlStatement
from migration_reviewer.replay.result import Outcome
from migration_reviewer.schema.model import PUBLIC, Column, RelationKind, SchemaSnapshot, Table

_ABOUT_TABLE = frozenset({"CreateStmt", "AlterTableStmt", "IndexStmt"})


@dataclass(frozen=True)
class Touched:
    """A table of the head schema, with what of it the change adds or alters."""

    table: Table
    name: str  # as the report names it
    new: bool  # the change creates it: every column, constraint and index is the change's
    columns: frozenset[str]  # added or retyped
    constraints: frozenset[str]  # added
    indexes: frozenset[str]  # added

    def changed_columns(self) -> Iterator[Column]:
        return (c for c in self.table.columns if self.new or c.name in self.columns)

    def has_constraint(self, name: str) -> bool:
        return self.new or name in self.constraints

    def has_index(self, name: str) -> bool:
        return self.new or name in self.indexes


def head(ctx: AnalysisContext, *, partial: bool = False) -> SchemaSnapshot | None:
    """The schema after the change, when the replay applied all of it: after a failure it is missing
    whatever the rest of the change would have added (the index a key needed, the policy RLS needed).
    `partial` takes what the replay left anyway, for what only a failure leaves behind."""
    if not ctx.replayed or ctx.replay is None:
        return None
    if not partial and any(run.outcome is not Outcome.APPLIED for run in ctx.replay.runs):
        return None
    return ctx.replay.after


def touched_tables(ctx: AnalysisContext, *, partial: bool = False) -> Iterator[Touched]:
    """The head schema's tables (not views) the change creates or alters, in the diff's order. Without a
    replay (`lint`), what the change's SQL itself says of them."""
    if ctx.replay is None:
        yield from _static_touched(ctx)
        return
    after = head(ctx, partial=partial)
    if after is None or ctx.replay is None:
        return
    by_table: dict[str, dict[str, set[str]]] = {}
    for change in ctx.replay.changes:
        if change.table is None:
            continue
        parts = by_table.setdefault(change.table, {"new": set(), "col": set(), "con": set(), "idx": set()})
        slot = {
            "table_added": "new",
            "column_added": "col",
            "column_type_changed": "col",
            "constraint_added": "con",
            "index_added": "idx",
        }.get(change.kind)
        if slot is not None:
            parts[slot].add(change.name or "")
    for name, parts in by_table.items():
        schema, _, bare = name.rpartition(".")
        table = after.table(schema or PUBLIC, bare)
        if table is None or table.kind not in (RelationKind.TABLE, RelationKind.PARTITIONED_TABLE):
            continue
        if parts["new"] or parts["col"] or parts["con"] or parts["idx"]:
            yield Touched(
                table,
                name,
                bool(parts["new"]),
                frozenset(parts["col"]),
                frozenset(parts["con"]),
                frozenset(parts["idx"]),
            )


def _static_touched(ctx: AnalysisContext) -> list[Touched]:
    """The tables the change's SQL creates or alters, read once per context: every schema rule asks."""
    cached: list[Touched] | None = ctx.__dict__.get("_static_touched")
    if cached is None:
        from migration_reviewer.analyzers.schema_design._static import static_tables

        cached = [
            Touched(drawn, name, new, frozenset(columns), frozenset(constraints), frozenset(indexes))
            for drawn, name, new, columns, constraints, indexes in static_tables(ctx)
        ]
        # The context is frozen; like its cached properties, this lives in its __dict__.
        ctx.__dict__["_static_touched"] = cached
    return cached


def locate(ctx: AnalysisContext, table: str, mention: str | None = None) -> SqlStatement | None:
    """The change's statement that creates or alters `table`: the first that mentions `mention` (a
    column, constraint or index name) when one does, else the first about the table."""
    about = [s for s in ctx.statements_by_relation.get(table, []) if s.kind in _ABOUT_TABLE]
    if mention is not None:
        named = [s for s in about if mention in s.statement.text]
        about = named or about
    return about[0] if about else None


def schema_issue(ctx: AnalysisContext, table: str, mention: str | None, message: str, fix: str) -> Issue:
    """An issue about `table`, pointed at the statement that made it so; confirmed by the replay where
    the head schema comes from it (not in `lint`)."""
    stmt = locate(ctx, table, mention)
    return Issue(
        message=message,
        path=stmt.path if stmt else None,
        line=stmt.line if stmt else None,
        table=table,
        fix=fix,
        confirmed_by_replay=ctx.replay is not None,
        statement=stmt.statement.text if stmt else None,
    )


def changed_columns(ctx: AnalysisContext) -> Iterator[tuple[Touched, Column]]:
    """The columns the change adds or retypes (every column of a table it creates), as the head schema
    has them; generated-only partition copies left out."""
    for touched in touched_tables(ctx):
        for column in touched.changed_columns():
            if not column.inherited:
                yield touched, column


def tables_with_change(ctx: AnalysisContext, *kinds: str) -> frozenset[str]:
    """Tables the schema diff reports a change of one of `kinds` for (rls_enabled, policy_dropped…)."""
    if ctx.replay is None:
        return frozenset()
    return frozenset(c.table for c in ctx.replay.changes if c.kind in kinds and c.table)
