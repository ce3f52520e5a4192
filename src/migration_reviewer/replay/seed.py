"""Synthetic rows for the tables a change touches, so the replay meets data the way production does.

Timing on empty tables says nothing, and many failures need rows: a NOT NULL column added without a
default, SET NOT NULL over NULLs, a unique index over duplicates, a cast that some value cannot take, a
foreign key over orphans. Values follow each column's type and the base schema's constraints:

- primary keys, unique columns and the columns foreign keys point at get one distinct value per row;
- every other column repeats each value twice (duplicates on purpose, where the schema allows them) and
  a nullable one holds NULL in one row out of ten;
- a foreign key column takes values of its parent's key, so every row has a parent;
- a CHECK constraint the generated values break is retried with those columns left to their default.

The row for number k is built from k alone, so the data is the same on every run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import sql

from migration_reviewer.replay.result import SeededTable, SeedResult
from migration_reviewer.schema.model import (
    Constraint,
    ConstraintKind,
    EnumType,
    Identity,
    ObjectName,
    RelationKind,
    SchemaSnapshot,
    Table,
)

Connection = psycopg.Connection[Any]

# Tables the change only reaches through a foreign key get fewer rows: enough to reference, cheap to make.
PARENT_ROWS = 1_000


def seed(conn: Connection, snapshot: SchemaSnapshot, touched: Iterable[ObjectName], rows: int) -> SeedResult:
    """Fill the touched tables (`rows` each) and the tables they reference (fewer), parents first."""
    tables = {ObjectName(t.schema, t.name): t for t in snapshot.tables if t.kind in _SEEDABLE}
    targets = {name: rows for name in touched if name in tables}
    for name in list(targets):
        for parent in _ancestors(name, tables):
            targets.setdefault(parent, min(rows, PARENT_ROWS))
    enums = {_type_name(e): e for e in snapshot.enums}
    result = SeedResult()
    seeded: dict[ObjectName, int] = {}
    for name in _parents_first(targets, tables):
        table = tables[name]
        started = time.perf_counter()
        reason = _fill(conn, table, targets[name], seeded, enums)
        if reason is None:
            seeded[name] = targets[name]
            result.tables.append(
                SeededTable(_shown(name), targets[name], (time.perf_counter() - started) * 1000)
            )
        else:
            result.skipped[_shown(name)] = reason
    if seeded:
        # Fresh statistics: the planner, and any estimate read from pg_class, see the rows.
        conn.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(_ident(n) for n in seeded)))
    return result


_SEEDABLE = {RelationKind.TABLE, RelationKind.PARTITIONED_TABLE}


def _shown(name: ObjectName) -> str:
    return name.name if name.schema == "public" else f"{name.schema}.{name.name}"


def _ident(name: ObjectName) -> sql.Composable:
    return sql.Identifier(name.schema, name.name)


def _type_name(enum: EnumType) -> str:
    # format_type shows a type of the search path's schemas unqualified.
    return enum.name if enum.schema in ("public", "pg_catalog") else f"{enum.schema}.{enum.name}"


def _foreign_keys(table: Table) -> list[Constraint]:
    return [c for c in table.constraints if c.kind is ConstraintKind.FOREIGN_KEY and c.references is not None]


def _ancestors(name: ObjectName, tables: dict[ObjectName, Table]) -> list[ObjectName]:
    found: list[ObjectName] = []
    stack = [name]
    while stack:
        for fk in _foreign_keys(tables[stack.pop()]):
            parent = fk.references
            if parent is not None and parent in tables and parent not in found and parent != name:
                found.append(parent)
                stack.append(parent)
    return found


def _parents_first(targets: dict[ObjectName, int], tables: dict[ObjectName, Table]) -> list[ObjectName]:
    ordered: list[ObjectName] = []
    visiting: set[ObjectName] = set()

    def visit(name: ObjectName) -> None:
        if name in ordered or name in visiting:
            return  # a cycle of foreign keys: the first table of it goes first, with NULLs where allowed
        visiting.add(name)
        for fk in _foreign_keys(tables[name]):
            if fk.references in targets and fk.references is not None:
                visit(fk.references)
        visiting.discard(name)
        ordered.append(name)

    for name in sorted(targets, key=lambda n: (n.schema, n.name)):
        visit(name)
    return ordered


def _fill(
    conn: Connection, table: Table, rows: int, seeded: dict[ObjectName, int], enums: dict[str, EnumType]
) -> str | None:
    """Insert the rows; None on success, else why the table stays empty."""
    distinct = _distinct_columns(table)
    references: dict[str, tuple[ObjectName, int]] = {}
    for fk in _foreign_keys(table):
        assert fk.references is not None
        for column in fk.columns:
            references[column] = (fk.references, seeded.get(fk.references, 0))
    left_to_default: set[str] = set()
    for _attempt in range(4):
        columns, values, problem = _row_expressions(table, rows, distinct, references, enums, left_to_default)
        if problem:
            return problem
        overriding = (
            sql.SQL(" OVERRIDING SYSTEM VALUE")
            if any(c.identity is Identity.ALWAYS and c.name in columns for c in table.columns)
            else sql.SQL("")
        )
        statement = sql.SQL("INSERT INTO {} ({}){} SELECT {} FROM generate_series(1, {}) AS g(k)").format(
            _ident(ObjectName(table.schema, table.name)),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            overriding,
            sql.SQL(", ").join(sql.SQL(v) for v in values),  # expressions we built from the catalog
            sql.Literal(rows),
        )
        try:
            with conn.transaction():
                conn.execute(statement)
                _advance_sequences(conn, table, columns, rows)
            return None
        except psycopg.errors.CheckViolation as exc:
            blamed = _columns_of_check(table, exc.diag.constraint_name) - left_to_default
            if not blamed:
                return f"its CHECK constraint {exc.diag.constraint_name} rejects generated rows"
            left_to_default |= blamed
        except psycopg.Error as exc:
            return (exc.diag.message_primary or str(exc)).splitlines()[0]
    return "its CHECK constraints reject generated rows"


def _distinct_columns(table: Table) -> set[str]:
    """Columns that must not repeat a value: in a primary key or unique constraint, or named in a unique
    index (also an expression or partial one: better distinct than a failed seed)."""
    distinct: set[str] = set()
    for constraint in table.constraints:
        if constraint.kind in (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE, ConstraintKind.EXCLUSION):
            distinct.update(constraint.columns)
    names = {c.name for c in table.columns}
    for index in table.indexes:
        if index.unique:
            for expression in index.columns:
                distinct.update(w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_$]*", expression) if w in names)
    return distinct


def _row_expressions(
    table: Table,
    rows: int,
    distinct: set[str],
    references: dict[str, tuple[ObjectName, int]],
    enums: dict[str, EnumType],
    left_to_default: set[str],
) -> tuple[list[str], list[str], str | None]:
    columns: list[str] = []
    values: list[str] = []
    for column in table.columns:
        if column.generated or (column.inherited and table.kind is not RelationKind.TABLE):
            continue
        if column.name in left_to_default:
            if not column.nullable and column.default is None and column.identity is None:
                return (
                    [],
                    [],
                    f"a CHECK constraint rejects every value generated for NOT NULL column {column.name}",
                )
            continue
        if column.name in references:
            parent, parent_rows = references[column.name]
            if parent_rows == 0:
                if column.nullable:
                    continue  # NULL: no parent rows to point at
                return [], [], f"its parent table {_shown(parent)} could not be filled"
            key = f"((k - 1) % {parent_rows} + 1)"
        elif column.name in distinct or column.identity is not None:
            key = "k"
        else:
            key = "((k - 1) / 2 + 1)"  # every value twice
        expression = _value(column.type, key, enums, rows)
        if expression is None:
            if column.nullable or column.default is not None:
                continue
            return [], [], f"no value can be generated for column {column.name} of type {column.type}"
        if column.nullable and column.name not in distinct and column.name not in references:
            expression = f"CASE WHEN k % 10 = 0 THEN NULL ELSE {expression} END"
        columns.append(column.name)
        values.append(expression)
    return columns, values, None


_NUMERIC = re.compile(r"numeric\((\d+),(\d+)\)")
_HISTORY_SECONDS = 2 * 365 * 86400
_LENGTH = re.compile(r"\((\d+)\)$")


def _value(type_name: str, key: str, enums: dict[str, EnumType], rows: int = 1) -> str | None:
    """A SQL expression of the integer `key` (1 to `rows`) giving a value of `type_name`, distinct for
    distinct keys where the type has room for it. Dates and timestamps reach back from now, the most
    recent for the highest key, as rows pile up in a table over its life: a `WHERE created_at < now() -
    interval '90 days'` then finds the share of rows it would find in production."""
    base = type_name.lower()
    if base.endswith("[]"):
        return f"'{{}}'::{type_name}"
    if type_name in enums:
        count = len(enums[type_name].values)
        return f"(enum_range(NULL::{type_name}))[({key}) % {count} + 1]" if count else None
    if base in ("smallint",):
        return f"(({key}) % 32767)::smallint"
    if base in ("integer", "bigint", "real", "double precision", "numeric", "money", "oid"):
        return f"({key})::{base}"
    if match := _NUMERIC.fullmatch(base):
        room = 10 ** max(int(match.group(1)) - int(match.group(2)), 1) - 1
        return f"(({key}) % {room})::{base}"
    if base in ("text", "citext", "name") or base.startswith(("character varying", "character(", "varchar")):
        length = _LENGTH.search(base)
        text = f"'v' || ({key})::text"
        return f"left({text}, {length.group(1)})::{base}" if length else f"({text})::{base}"
    if base == "character":
        return f"left('v' || ({key})::text, 1)"
    if base == "uuid":
        return f"md5(({key})::text)::uuid"
    if base == "boolean":
        return f"(({key}) % 2 = 0)"
    if base == "date":  # a day each, the last ten years
        return f"(current_date - (({rows} - ({key})) % 3650)::int)"
    if base.startswith("timestamp"):  # evenly over the last two years
        step = _HISTORY_SECONDS / max(rows, 1)
        return f"(now() - ({rows} - ({key})) * interval '{step:.6f} seconds')::{base}"
    if base.startswith("time ") or base == "time":
        return f"(time '00:00' + ({key}) * interval '1 second')::{base}"
    if base == "interval":
        return f"(({key}) * interval '1 second')"
    if base in ("json", "jsonb"):
        return f"json_build_object('k', {key})::{base}"
    if base == "bytea":
        return f"convert_to(({key})::text, 'UTF8')"
    if base in ("inet", "cidr"):
        return f"('10.0.0.0'::inet + ({key}))::{base}"
    return None


def _columns_of_check(table: Table, name: str | None) -> set[str]:
    constraint = next((c for c in table.constraints if c.name == name), None)
    if constraint is None:
        return set()
    if constraint.columns:
        return set(constraint.columns)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_$]*", constraint.definition))
    return {c.name for c in table.columns if c.name in words}


def _advance_sequences(conn: Connection, table: Table, columns: list[str], rows: int) -> None:
    """Identity and serial columns were given explicit values: move their sequences past them, so the
    change's own inserts do not collide with the seeded rows."""
    for column in table.columns:
        counted = column.identity is not None or (column.default or "").startswith("nextval(")
        if column.name in columns and counted:
            conn.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                (sql.Identifier(table.schema, table.name).as_string(conn), column.name, rows),
            )
