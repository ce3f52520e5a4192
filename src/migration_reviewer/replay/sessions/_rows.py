"""Synthetic rows for MySQL and SQLite, made in Python and inserted by the session's driver.

The plan is PostgreSQL's (`replay.seed`): the touched tables and, with fewer rows, the tables they
reference, parents first; distinct values where a key or unique index needs them, every other value twice,
NULL in one row out of ten where allowed, and foreign keys pointing at existing parent rows. Only the
values differ: they follow MySQL's column types (ENUM and SET members included) and SQLite's type names,
which SQLite reads by affinity.
"""

from __future__ import annotations

import datetime
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from migration_reviewer.replay.result import SeededTable, SeedResult
from migration_reviewer.replay.seed import (
    _distinct_columns,
    _foreign_keys,
    _parents_first,
    _shown,
    planned_tables,
)
from migration_reviewer.schema.model import Column, ObjectName, RelationKind, SchemaSnapshot, Table

# Inserts `rows` of `columns` into the table; None on success, else why the table stays empty.
Insert = Callable[[Table, list[str], list[tuple[Any, ...]]], str | None]
# The rows a table holds already (a base migration's data): the synthetic keys start past them.
Existing = Callable[[Table], int]

_START = datetime.datetime(2020, 1, 1)
_MEMBERS = re.compile(r"'((?:[^']|'')*)'")
_SIZE = re.compile(r"\((\d+)(?:\s*,\s*(\d+))?\)")
_INT_LIMITS = {"tinyint": 127, "smallint": 32_767, "mediumint": 8_388_607}


def seed_rows(
    snapshot: SchemaSnapshot, touched: Iterable[ObjectName], rows: int, insert: Insert, existing: Existing
) -> SeedResult:
    tables = {ObjectName(t.schema, t.name): t for t in snapshot.tables if t.kind is RelationKind.TABLE}
    targets = planned_tables(tables, touched, rows)
    result = SeedResult()
    seeded: dict[ObjectName, range] = {}  # the keys each table's rows were made from
    for name in _parents_first(targets, tables):
        started = time.perf_counter()
        first = existing(tables[name]) + 1
        keys = range(first, first + targets[name])
        made = _rows_of(tables[name], keys, seeded, tables)
        reason = made if isinstance(made, str) else insert(tables[name], *made)
        if reason is None:
            seeded[name] = keys
            result.tables.append(
                SeededTable(_shown(name), targets[name], (time.perf_counter() - started) * 1000)
            )
        else:
            result.skipped[_shown(name)] = reason
    return result


def integer_key(table: Table) -> str | None:
    """The table's one-column integer primary key, whose highest value the synthetic keys must pass."""
    key = table.primary_key
    column = table.column(key.columns[0]) if key is not None and len(key.columns) == 1 else None
    return column.name if column is not None and "int" in column.type.lower() else None


def _rows_of(
    table: Table, keys: range, seeded: dict[ObjectName, range], tables: dict[ObjectName, Table]
) -> tuple[list[str], list[tuple[Any, ...]]] | str:
    """(columns, rows) to insert, one row per key, or why no row can be made."""
    distinct = _distinct_columns(table)
    parents: dict[str, tuple[Column, range]] = {}
    for fk in _foreign_keys(table):
        assert fk.references is not None
        parent = tables.get(fk.references)
        for name, referenced in zip(fk.columns, fk.referenced_columns, strict=False):
            target = parent.column(referenced) if parent is not None else None
            if target is not None:
                parents[name] = (target, seeded.get(fk.references, range(0)))
    columns: list[str] = []
    makers: list[Callable[[int], Any]] = []
    for column in table.columns:
        if column.generated is not None:
            continue
        maker = _maker(column, column.name in distinct, parents.get(column.name))
        if maker is None:
            if column.nullable or column.default is not None:
                continue
            return f"no value can be generated for column {column.name} of type {column.type}"
        columns.append(column.name)
        makers.append(maker)
    return columns, [tuple(make(k) for make in makers) for k in keys]


def _maker(
    column: Column, distinct: bool, parent: tuple[Column, range] | None
) -> Callable[[int], Any] | None:
    if parent is not None:
        target, parent_keys = parent
        if not parent_keys:
            return (lambda _k: None) if column.nullable else None
        return lambda k: value(target.type, parent_keys[(k - 1) % len(parent_keys)])
    if value(column.type, 1) is None:
        return None
    if distinct or column.identity is not None:
        return lambda k: value(column.type, k)
    if column.nullable:
        return lambda k: None if k % 10 == 0 else value(column.type, (k - 1) // 2 + 1)
    return lambda k: value(column.type, (k - 1) // 2 + 1)


def value(type_name: str, key: int) -> Any:
    """A value of the column type for the integer `key`, distinct for distinct keys where the type has
    room; None for types no value is made for (spatial ones)."""
    lowered = type_name.lower()
    base = re.split(r"[\s(]", lowered, maxsplit=1)[0]
    size = _SIZE.search(lowered)
    if base in ("enum", "set"):
        members = [m.replace("''", "'") for m in _MEMBERS.findall(type_name)]
        return members[key % len(members)] if members else None
    if base in ("bool", "boolean") or lowered.startswith("tinyint(1)") or base == "bit":
        return key % 2
    if base in _INT_LIMITS:
        return key % _INT_LIMITS[base]
    if "int" in base:  # int, integer, bigint, and SQLite's INTEGER affinity
        return key
    if base in ("decimal", "numeric", "dec", "fixed"):
        digits = int(size.group(1)) - int(size.group(2) or 0) if size else 9
        return key % (10 ** max(digits, 1) - 1) if digits < 19 else key
    if base in ("float", "double", "real"):
        return float(key)
    if base == "uuid" or (base == "char" and size is not None and size.group(1) == "36"):
        return str(uuid.UUID(int=key))
    if base in ("json", "jsonb"):
        return f'{{"k": {key}}}'
    if base == "date":
        return (_START + datetime.timedelta(days=key % 3650)).date().isoformat()
    if base in ("datetime", "timestamp"):
        return (_START + datetime.timedelta(seconds=key)).isoformat(sep=" ")
    if base == "time":
        return str(datetime.timedelta(seconds=key % 86_400))
    if base == "year":
        return 1901 + key % 254
    if base in ("binary", "varbinary") or "blob" in base:
        return f"v{key}".encode()[: int(size.group(1))] if size else f"v{key}".encode()
    if base in ("geometry", "point", "linestring", "polygon") or base.startswith("multi"):
        return None
    text = f"v{key}"  # char, varchar, text, and any other name SQLite reads as text
    return text[: int(size.group(1))] if size and base in ("char", "varchar", "character", "nchar") else text
