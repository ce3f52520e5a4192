"""Synthetic rows for the tables a change touches, so the replay meets data the way production does.

Timing on empty tables says nothing, and many failures need rows: a NOT NULL column added without a
default, SET NOT NULL over NULLs, a unique index over duplicates, a cast that some value cannot take, a
foreign key over orphans, an enum value removed while rows hold it. Values follow each column's type as
the catalog resolves it (enums by their labels however the type is spelled, domains by their base type
and CHECKs, arrays by their element type, any other type through a cast from text where it takes one)
and the base schema's constraints:

- primary keys, unique columns and the columns foreign keys point at get one distinct value per row,
  past the keys of rows the base history inserted itself;
- every other column repeats each value twice (duplicates on purpose, where the schema allows them) and
  a nullable one holds NULL in one row out of ten; every label of an enum appears;
- a foreign key column takes values of its parent's key, so every row has a parent; a key made of
  foreign keys alone walks through the combinations of parent rows, so it stays distinct;
- simple CHECKs (ranges, IN lists, lengths, on the column or its domain) bound the values generated; a
  CHECK the generated values still break is retried with those columns left to their default, and a
  table that cannot be filled is reported with the reason.

The row for number k is built from k alone, so the data is the same on every run.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pglast
import psycopg
from pglast import ast, enums
from psycopg import sql

from migration_reviewer.replay.result import RowEvidence, SeededTable, SeedResult
from migration_reviewer.schema.model import (
    Column,
    Constraint,
    ConstraintKind,
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
    targets = planned_tables(tables, touched, rows)
    result = SeedResult()
    catalog = _Catalog(conn)
    seeded: dict[ObjectName, _Keys] = {}
    for name in _parents_first(targets, tables):
        started = time.perf_counter()
        filled = _fill(conn, catalog, tables[name], targets[name], seeded, set(targets))
        if isinstance(filled, _Keys):
            seeded[name] = filled
            elapsed = (time.perf_counter() - started) * 1000
            result.tables.append(SeededTable(_shown(name), filled.count, elapsed))
        else:
            result.skipped[_shown(name)] = filled
    if seeded:
        # Fresh statistics: the planner, and any estimate read from pg_class, see the rows.
        conn.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(_ident(n) for n in seeded)))
    return result


_SEEDABLE = {RelationKind.TABLE, RelationKind.PARTITIONED_TABLE}


@dataclass(frozen=True)
class _Keys:
    """The keys a table's synthetic rows were made from: first, first + 1, … (count of them)."""

    first: int
    count: int


def planned_tables(
    tables: dict[ObjectName, Table], touched: Iterable[ObjectName], rows: int
) -> dict[ObjectName, int]:
    """Rows to put in each table: `rows` in the touched ones; fewer in the tables they reference (every
    row needs its parent) and in the tables that reference them (so that a rebuild or a delete that
    takes child rows with it through ON DELETE CASCADE is seen, by the row counts before and after)."""
    targets = {name: rows for name in touched if name in tables}
    fewer = min(rows, PARENT_ROWS)
    for name in list(targets):
        for child, table in tables.items():
            if child not in targets and any(fk.references == name for fk in _foreign_keys(table)):
                targets[child] = fewer
    for name in list(targets):
        for parent in _ancestors(name, tables):
            targets.setdefault(parent, fewer)
    return targets


def shown_name(name: ObjectName) -> str:
    """A table as the seeded replay names it: bare in public, else "schema.name"."""
    return name.name if name.schema == "public" else f"{name.schema}.{name.name}"


_shown = shown_name


def _ident(name: ObjectName) -> sql.Composable:
    return sql.Identifier(name.schema, name.name)


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


# What the catalog says a column's values are, whatever the type's spelling (format_type quotes a
# PascalCase enum, "FieldType", and qualifies one outside the search path).


@dataclass(frozen=True)
class _Type:
    cast: str  # the column's type as format_type prints it, ready for a cast
    base: str  # the type under any domains, lower case: "integer", "character varying(20)", "enum", "array"
    labels: tuple[str, ...] = ()  # an enum's labels, in their order
    checks: tuple[tuple[str, str], ...] = ()  # the domains' CHECKs on VALUE: (constraint name, definition)
    element: _Type | None = None  # an array's element type


_COLUMNS = """
SELECT a.attname, a.atttypid::bigint, a.atttypmod FROM pg_attribute a
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
"""

_TYPE = """
SELECT t.typtype::text, t.typbasetype::bigint, t.typtypmod, t.typelem::bigint, t.typcategory::text,
       format_type(t.oid, %s),
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
       ARRAY(SELECT c.conname::text FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'
             ORDER BY c.conname),
       ARRAY(SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contypid = t.oid
             AND c.contype = 'c' ORDER BY c.conname)
FROM pg_type t WHERE t.oid = %s
"""


class _Catalog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._types: dict[tuple[int, int], _Type] = {}
        self._casts: dict[str, bool] = {}

    def column_types(self, table: Table) -> dict[str, _Type]:
        regclass = sql.Identifier(table.schema, table.name).as_string(self.conn)
        rows = self.conn.execute(_COLUMNS, (regclass,)).fetchall()
        return {name: self.type_of(int(oid), int(typmod)) for name, oid, typmod in rows}

    def type_of(self, oid: int, typmod: int) -> _Type:
        known = self._types.get((oid, typmod))
        if known is not None:
            return known
        row = self.conn.execute(_TYPE, (typmod, oid)).fetchone()
        assert row is not None
        kind, base_oid, base_typmod, element_oid, category, shown, labels, check_names, checks = row
        if kind == "d":
            under = self.type_of(int(base_oid), int(base_typmod))
            found = _Type(
                shown, under.base, under.labels, (*zip(check_names, checks, strict=True), *under.checks),
                under.element,
            )
        elif kind == "e":
            found = _Type(shown, "enum", tuple(labels))
        elif category == "A" and element_oid:
            found = _Type(shown, "array", element=self.type_of(int(element_oid), -1))
        else:
            found = _Type(shown, shown.lower())
        self._types[(oid, typmod)] = found
        return found

    def takes_text(self, cast: str) -> bool:
        """Whether the type has a cast from text that takes a plain word (citext, ltree…)."""
        if cast not in self._casts:
            try:
                with self.conn.transaction():
                    self.conn.execute(sql.SQL("SELECT ('v1'::text)::{}").format(sql.SQL(cast)))
                self._casts[cast] = True
            except psycopg.Error:
                self._casts[cast] = False
        return self._casts[cast]


# Simple CHECKs bound the values: a range, an IN list, a length. Anything else is left to the retry.


@dataclass
class _Bounds:
    low: float | None = None
    low_strict: bool = False
    high: float | None = None
    high_strict: bool = False
    members: tuple[str, ...] | None = None
    max_length: int | None = None
    min_length: int | None = None
    # Steps above the row's value: a CHECK that orders two columns (start_time < end_time) puts the
    # greater one steps above the lesser, whose value the same row key gives.
    after: int = 0

    def integer_range(self) -> tuple[int | None, int | None]:
        low = high = None
        if self.low is not None:
            low = math.floor(self.low) + 1 if self.low_strict else math.ceil(self.low)
        if self.high is not None:
            high = math.ceil(self.high) - 1 if self.high_strict else math.floor(self.high)
        return low, high


_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "="}
_LENGTH_FUNCTIONS = {"length", "char_length", "character_length", "octet_length"}


def _check_bounds(checks: Iterable[tuple[str, str | None]]) -> dict[str, _Bounds]:
    """Bounds by column from CHECK definitions; `VALUE` in a domain's CHECK stands for the column given
    with it."""
    found: dict[str, _Bounds] = {}
    for definition, column in checks:
        text = re.sub(r"\s+NOT VALID$", "", definition.strip())
        if not text.upper().startswith("CHECK"):
            continue
        try:
            parsed: Any = pglast.parse_sql(f"SELECT 1 WHERE {text[5:]}")[0].stmt
            where = parsed.whereClause
        except pglast.parser.ParseError:
            continue
        _collect(where, column, found)
    return found


def _collect(node: Any, value_column: str | None, found: dict[str, _Bounds]) -> None:
    if isinstance(node, ast.BoolExpr):
        if node.boolop is enums.BoolExprType.AND_EXPR:
            for argument in node.args or ():
                _collect(argument, value_column, found)
        return
    if not isinstance(node, ast.A_Expr) or not node.name:
        return
    operator = node.name[-1].sval
    target = _target(node.lexpr, value_column)
    if node.kind in (enums.A_Expr_Kind.AEXPR_IN, enums.A_Expr_Kind.AEXPR_OP_ANY) and operator == "=":
        items = node.rexpr
        while isinstance(items, ast.TypeCast):
            items = items.arg
        if isinstance(items, ast.A_ArrayExpr):
            items = items.elements
        constants = [_constant(item) for item in items or ()] if isinstance(items, tuple) else []
        if target and not target[1] and constants and all(c is not None for c in constants):
            found.setdefault(target[0], _Bounds()).members = tuple(str(c) for c in constants)
        return
    between: Any = node.rexpr
    if node.kind is enums.A_Expr_Kind.AEXPR_BETWEEN and target and isinstance(between, tuple):
        _bound(found, target, ">=", _constant(between[0]))
        _bound(found, target, "<=", _constant(between[1]))
        return
    if node.kind is not enums.A_Expr_Kind.AEXPR_OP or operator not in _FLIPPED:
        return
    right = _target(node.rexpr, value_column)
    if target is not None and right is not None and not target[1] and not right[1]:
        _order(found, target[0], operator, right[0])  # two columns: starts_at < ends_at
        return
    if target is None:  # a constant on the left: 0 < price
        target, operator = right, _FLIPPED[operator]
        constant = _constant(node.lexpr)
    else:
        constant = _constant(node.rexpr)
    if target is not None:
        _bound(found, target, operator, constant)


def _order(found: dict[str, _Bounds], left: str, operator: str, right: str) -> None:
    """`left operator right` between two columns of a row: the greater one gets a step more than the
    lesser (a strict or loose inequality alike; equality is left to the retry)."""
    if operator in ("<", "<="):
        lesser, greater = left, right
    elif operator in (">", ">="):
        lesser, greater = right, left
    else:
        return
    below = found.setdefault(lesser, _Bounds()).after
    above = found.setdefault(greater, _Bounds())
    above.after = max(above.after, below + 1)


def _bound(found: dict[str, _Bounds], target: tuple[str, bool], operator: str, constant: Any) -> None:
    column, of_length = target
    bounds = found.setdefault(column, _Bounds())
    if operator == "=" and not of_length and constant is not None:
        bounds.members = (str(constant),)
        return
    try:
        number = float(constant)
    except (TypeError, ValueError):
        return
    if of_length:
        if operator in ("<", "<="):
            bounds.max_length = int(number) - (operator == "<")
        elif operator in (">", ">="):
            bounds.min_length = int(number) + (operator == ">")
        return
    if operator in (">", ">=") and (bounds.low is None or number >= bounds.low):
        bounds.low, bounds.low_strict = number, operator == ">"
    elif operator in ("<", "<=") and (bounds.high is None or number <= bounds.high):
        bounds.high, bounds.high_strict = number, operator == "<"


def _target(node: Any, value_column: str | None) -> tuple[str, bool] | None:
    """(column, whether its length is meant) of `col`, `(col)::type`, `length(col)`."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.FuncCall) and node.args and len(node.args) == 1 and node.funcname:
        if node.funcname[-1].sval in _LENGTH_FUNCTIONS:
            inner = _target(node.args[0], value_column)
            return (inner[0], True) if inner and not inner[1] else None
        return None
    if isinstance(node, ast.ColumnRef) and node.fields and len(node.fields) == 1:
        name = getattr(node.fields[0], "sval", None)
        if not isinstance(name, str):
            return None
        if value_column is not None:
            return (value_column, False) if name == "value" else None
        return name, False
    return None


def _constant(node: Any) -> Any:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_Const) and not node.isnull:
        value = node.val
        if isinstance(value, ast.Integer):
            return value.ival
        if isinstance(value, ast.Float):
            return float(value.fval or 0)
        if isinstance(value, ast.String):
            return value.sval
    if isinstance(node, ast.A_Expr) and node.name and node.name[-1].sval == "-" and node.lexpr is None:
        inner = _constant(node.rexpr)
        return -inner if isinstance(inner, int | float) else None
    return None


# Filling one table.


def _fill(
    conn: Connection,
    catalog: _Catalog,
    table: Table,
    rows: int,
    seeded: dict[ObjectName, _Keys],
    planned: set[ObjectName],
) -> _Keys | str:
    """Insert the rows; the keys they were made from, else why the table stays empty."""
    name = ObjectName(table.schema, table.name)
    types = catalog.column_types(table)
    first = _first_key(conn, table)
    checks: list[tuple[str, str | None]] = [
        (c.definition, None) for c in table.constraints if c.kind is ConstraintKind.CHECK
    ]
    domain_checks: dict[str, set[str]] = {}  # a domain's constraint name → the columns of that domain
    for column, found in types.items():
        for constraint, definition in found.checks:
            checks.append((definition, column))
            domain_checks.setdefault(constraint, set()).add(column)
    bounds = _check_bounds(checks)
    plan = _Plan(table, name, rows, first, types, bounds, seeded, planned, catalog)
    problem = plan.prepare()
    if problem:
        return problem
    # Only rows the base history inserted can collide with the generated ones, whose keys are distinct:
    # into an empty table they go without ON CONFLICT, which costs a third more (a speculative insertion
    # per row), unless they collide after all (an expression index, an exclusion constraint).
    deferrable = _has_deferrable_key(table)
    guarded = first > 1 and not deferrable
    for _attempt in range(5):
        columns, values, problem = plan.expressions()
        if problem:
            return problem
        overriding = (
            sql.SQL(" OVERRIDING SYSTEM VALUE")
            if any(c.identity is Identity.ALWAYS and c.name in columns for c in table.columns)
            else sql.SQL("")
        )
        statement = sql.SQL("INSERT INTO {} ({}){} SELECT {} FROM generate_series(0, {}) AS g(i){}").format(
            _ident(name),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            overriding,
            sql.SQL(", ").join(sql.SQL(v) for v in values),  # expressions we built from the catalog
            sql.Literal(plan.rows - 1),
            # Rows that collide with the base history's own keep theirs; ON CONFLICT takes no deferrable
            # constraint, where a collision fails the insert instead (and the reason is reported).
            sql.SQL(" ON CONFLICT DO NOTHING") if guarded else sql.SQL(""),
        )
        try:
            with conn.transaction():
                inserted = conn.execute(statement).rowcount
                _advance_sequences(conn, table, columns, first + plan.rows - 1)
        except (psycopg.errors.UniqueViolation, psycopg.errors.ExclusionViolation) as exc:
            if guarded or deferrable:
                return _why(exc)
            guarded = True  # generated rows that collide with each other: skipped, as before
            continue
        except psycopg.errors.CheckViolation as exc:
            constraint = exc.diag.constraint_name or ""
            blamed = (
                _columns_of_check(table, constraint) | domain_checks.get(constraint, set())
            ) - plan.left_to_default
            if not blamed:
                return f"its CHECK constraint {constraint} rejects every row generated for it"
            plan.left_to_default |= blamed
            plan.blamed_check[frozenset(blamed)] = constraint
            continue
        except psycopg.Error as exc:
            return _why(exc)
        if inserted <= 0:
            return "every row generated for it collides with a key of the rows the base history inserted"
        return _Keys(first, inserted)
    return "its CHECK constraints reject every row generated for it"


def _has_deferrable_key(table: Table) -> bool:
    keys = (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE, ConstraintKind.EXCLUSION)
    return any(c.deferrable for c in table.constraints if c.kind in keys)


def _why(exc: psycopg.Error) -> str:
    diag = exc.diag
    message = (diag.message_primary or str(exc)).splitlines()[0]
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return f"its key {diag.constraint_name} rejects the generated rows: {message}"
    if isinstance(exc, psycopg.errors.ForeignKeyViolation):
        return f"its foreign key {diag.constraint_name} rejects the generated rows: {message}"
    return message


def _first_key(conn: Connection, table: Table) -> int:
    """The first synthetic key: past the rows the base history inserted, and past their integer key."""
    key = table.primary_key
    column = table.column(key.columns[0]) if key is not None and len(key.columns) == 1 else None
    integer = column is not None and column.type in ("smallint", "integer", "bigint")
    maximum = (
        sql.SQL(", max({})").format(sql.Identifier(column.name)) if integer and column else sql.SQL("")
    )
    row = conn.execute(
        sql.SQL("SELECT count(*){} FROM {}").format(maximum, _ident(ObjectName(table.schema, table.name)))
    ).fetchone()
    assert row is not None
    return max(int(v) for v in row if v is not None) + 1


@dataclass
class _Plan:
    """The INSERT … SELECT of one table: an expression of the row number i (0, 1, …) per column."""

    table: Table
    name: ObjectName
    rows: int
    first: int
    types: dict[str, _Type]
    bounds: dict[str, _Bounds]
    seeded: dict[ObjectName, _Keys]
    planned: set[ObjectName]
    catalog: _Catalog
    left_to_default: set[str] = field(default_factory=set)
    blamed_check: dict[frozenset[str], str] = field(default_factory=dict)
    # A foreign key column's key expression: one parent row's key.
    parent_keys: dict[str, str] = field(default_factory=dict)
    distinct: set[str] = field(default_factory=set)

    def prepare(self) -> str | None:
        """Works out the foreign keys and the unique keys; may lower the row count where a key has no room
        for more distinct values. Returns why no row can be made, if so."""
        self.distinct = _distinct_columns(self.table)
        divisors: dict[str, int] = {}  # a foreign key's step: keys made of foreign keys walk combinations
        room: int | None = None
        foreign = {fk.name: fk for fk in _foreign_keys(self.table)}
        for key in _distinct_keys(self.table):
            covering = [fk for fk in foreign.values() if set(fk.columns) & set(key)]
            if not covering or not set(key) <= {c for fk in covering for c in fk.columns}:
                room = _min(room, self._room(key))
                continue
            step = 1
            for fk in covering:
                parent = self.seeded.get(fk.references) if fk.references else None
                if fk.references == self.name or parent is None:
                    step = 0
                    break
                divisors.setdefault(fk.name, step)
                step *= parent.count
            if step:
                room = _min(room, step)
        if room is not None:
            self.rows = min(self.rows, room)
        if self.rows <= 0:
            return "its unique keys leave no room for a generated row"
        for fk in foreign.values():
            assert fk.references is not None
            nullable = all(c.nullable for c in map(self._column, fk.columns) if c is not None)
            if fk.references == self.name:  # a row of the table points at itself
                expression = f"(i + {self.first})"
            else:
                parent = self.seeded.get(fk.references)
                if parent is None:
                    if nullable:
                        continue  # NULL: no parent rows to point at
                    if fk.references in self.planned:
                        return (
                            f"its foreign key {fk.name} needs rows of {_shown(fk.references)}, which is "
                            "filled after it (a cycle of foreign keys)"
                        )
                    return f"its parent table {_shown(fk.references)} could not be filled"
                divisor = divisors.get(fk.name, 1)
                row = f"i / {divisor}" if divisor > 1 else "i"
                expression = f"({parent.first} + ({row}) % {parent.count})"
            for column in fk.columns:
                self.parent_keys[column] = expression
        return None

    def _column(self, name: str) -> Column | None:
        return self.table.column(name)

    def _room(self, key: tuple[str, ...]) -> int | None:
        """How many distinct values a one-column key can take (None: more than enough)."""
        if len(key) != 1 or key[0] not in self.types:
            return None
        found, bounds = self.types[key[0]], self.bounds.get(key[0], _Bounds())
        if bounds.members is not None:
            return len(bounds.members)
        if found.base == "enum":
            return len(found.labels)
        if found.base == "boolean":
            return 2
        low, high = bounds.integer_range()
        if low is not None and high is not None:
            return max(high - low + 1, 0)
        return None

    def expressions(self) -> tuple[list[str], list[str], str | None]:
        columns: list[str] = []
        values: list[str] = []
        newest = self.first + self.rows - 1
        for column in self.table.columns:
            if column.generated or (column.inherited and self.table.kind is not RelationKind.TABLE):
                continue
            if column.name in self.left_to_default:
                if not column.nullable and column.default is None and column.identity is None:
                    check = next(
                        (c for cols, c in self.blamed_check.items() if column.name in cols), "a CHECK"
                    )
                    return (
                        [],
                        [],
                        f"its CHECK constraint {check} rejects every value generated for NOT NULL column "
                        f"{column.name}, which has no default",
                    )
                continue
            found = self.types.get(column.name)
            if column.name in self.parent_keys:
                key = self.parent_keys[column.name]
                bounds = _Bounds()
            else:
                if column.name in self.distinct or column.identity is not None:
                    key = f"(i + {self.first})"
                else:
                    key = f"(i / 2 + {self.first})"  # every value twice
                bounds = self.bounds.get(column.name, _Bounds())
            expression = _value(found, key, newest, self.rows, bounds, self.catalog) if found else None
            if expression is None:
                if column.nullable or column.default is not None or column.identity is not None:
                    continue
                return (
                    [],
                    [],
                    f"no value can be generated for NOT NULL column {column.name} of type {column.type}",
                )
            if column.nullable and column.name not in self.distinct and column.name not in self.parent_keys:
                expression = f"CASE WHEN i % 10 = 9 THEN NULL ELSE {expression} END"
            columns.append(column.name)
            values.append(expression)
        return columns, values, None


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _distinct_keys(table: Table) -> list[tuple[str, ...]]:
    """The column lists whose values must not repeat: primary key, unique constraints, unique indexes
    on plain columns."""
    keys = [
        c.columns
        for c in table.constraints
        if c.kind in (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE) and c.columns
    ]
    names = {c.name for c in table.columns}
    for index in table.indexes:
        if index.unique and index.columns and all(c in names for c in index.columns):
            keys.append(index.columns)
    return list(dict.fromkeys(keys))


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


_NUMERIC = re.compile(r"numeric\((\d+),(\d+)\)")
_HISTORY_SECONDS = 2 * 365 * 86400
_LENGTH = re.compile(r"\((\d+)\)$")
_INTEGERS = {"smallint": 32_767, "integer": 2_147_483_647, "bigint": None, "oid": None}
_NUMBERS = ("real", "double precision", "numeric", "money")


def _value(
    found: _Type, key: str, newest: int, rows: int, bounds: _Bounds, catalog: _Catalog | None
) -> str | None:
    """A SQL expression of the integer `key` giving a value of the column's type, distinct for distinct
    keys where the type (and its CHECKs) leave room for it. Dates and timestamps reach back from now,
    the most recent for the newest key, as rows pile up in a table over its life: a `WHERE created_at <
    now() - interval '90 days'` then finds the share of rows it would find in production."""
    cast = found.cast
    if bounds.members is not None or found.base == "enum":
        members = found.labels if bounds.members is None else bounds.members
        if found.base == "enum" and bounds.members is not None:
            members = tuple(m for m in found.labels if m in bounds.members)
        if not members:
            return None
        listed = ", ".join(_literal(m) for m in members)
        return f"((ARRAY[{listed}])[({key}) % {len(members)} + 1])::{cast}"
    if found.base == "array":
        if found.element is None:
            return None
        inner = _value(found.element, key, newest, rows, _Bounds(), catalog)
        return f"(ARRAY[{inner}])::{cast}" if inner is not None else f"'{{}}'::{cast}"
    expression = _base_value(found.base, key, newest, rows, bounds)
    if expression is None:
        if catalog is None or not catalog.takes_text(cast):
            return None
        expression = f"('v' || ({key})::text)"
    return f"({expression})::{cast}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _base_value(base: str, key: str, newest: int, rows: int, bounds: _Bounds) -> str | None:
    """`_plain_value`, a step above the columns a CHECK orders this one after (which the same key gives)."""
    if not bounds.after:
        return _plain_value(base, key, newest, rows, bounds)
    if not _ordered_by_time(base):
        return _plain_value(base, f"(({key}) + {bounds.after})", newest, rows, bounds)
    value = _plain_value(base, key, newest, rows, bounds)
    step = f"{bounds.after}" if base == "date" else f"interval '{bounds.after} minutes'"  # days, minutes
    return None if value is None else f"({value} + {step})"


def _ordered_by_time(base: str) -> bool:
    """Types a step of time orders: a number step would be a day (date) or nothing visible (time)."""
    return base.startswith(("timestamp", "time")) or base in ("time", "date")


def _plain_value(base: str, key: str, newest: int, rows: int, bounds: _Bounds) -> str | None:
    numeric = _NUMERIC.fullmatch(base)
    if base in _INTEGERS or base in _NUMBERS or numeric:
        low, high = bounds.integer_range()
        room = _INTEGERS.get(base)
        if numeric:
            room = 10 ** max(int(numeric.group(1)) - int(numeric.group(2)), 1) - 1
        high = _max_none(high, room)
        low = 1 if low is None else low
        if high is not None and high < low:
            low = high - 1_000_000 if high < 1 else 1
        if high is None:
            return f"({low - 1} + ({key}))::{base}"
        return f"({low} + (({key}) - 1) % {high - low + 1})::{base}"
    if base in ("text", "citext", "name") or base.startswith(("character varying", "character(", "varchar")):
        length = _LENGTH.search(base)
        longest = int(length.group(1)) if length else None
        if bounds.max_length is not None:
            longest = bounds.max_length if longest is None else min(longest, bounds.max_length)
        text = f"'v' || ({key})::text"
        if bounds.min_length:
            text = f"rpad({text}, {bounds.min_length}, 'x')"
        return f"left({text}, {longest})" if longest is not None else f"({text})"
    if base == "character":
        return f"left('v' || ({key})::text, 1)"
    if base == "uuid":
        return f"md5(({key})::text)::uuid"
    if base == "boolean":
        return f"(({key}) % 2 = 0)"
    if base == "date":  # a day each, the last ten years
        return f"(current_date - (({newest} - ({key})) % 3650)::int)"
    if base.startswith("timestamp"):  # evenly over the last two years
        step = _HISTORY_SECONDS / max(rows, 1)
        return f"(now() - ({newest} - ({key})) * interval '{step:.6f} seconds')"
    if base.startswith("time ") or base == "time" or base.startswith("time("):
        return f"(time '00:00' + ({key}) * interval '1 second')"
    if base == "interval":
        return f"(({key}) * interval '1 second')"
    if base in ("json", "jsonb"):
        return f"json_build_object('k', {key})"
    if base == "bytea":
        return f"convert_to(({key})::text, 'UTF8')"
    if base in ("inet", "cidr"):
        return f"('10.0.0.0'::inet + ({key}))"
    return None


def _max_none(high: int | None, room: int | None) -> int | None:
    return room if high is None else high if room is None else min(high, room)


def _columns_of_check(table: Table, name: str | None) -> set[str]:
    constraint = next((c for c in table.constraints if c.name == name), None)
    if constraint is None:
        return set()
    if constraint.columns:
        return set(constraint.columns)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_$]*", constraint.definition))
    return {c.name for c in table.columns if c.name in words}


def _advance_sequences(conn: Connection, table: Table, columns: list[str], last: int) -> None:
    """Identity and serial columns were given explicit values: move their sequences past them, so the
    change's own inserts do not collide with the seeded rows."""
    for column in table.columns:
        counted = column.identity is not None or (column.default or "").startswith("nextval(")
        if column.name in columns and counted:
            conn.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                (sql.Identifier(table.schema, table.name).as_string(conn), column.name, last),
            )


# What the rows hold where a statement is about to need something of them.

_VALUES_KEPT = 100  # distinct values a piece of evidence keeps, the most held first


def row_evidence(conn: Connection, text: str, snapshot: SchemaSnapshot) -> tuple[RowEvidence, ...]:
    """For each column an ALTER TABLE makes NOT NULL or gives a new type, on a table of the base: its
    NULLs (with the key of the first) and its values with their row counts. Read inside the statement's
    own transaction just before it runs, so an earlier backfill of the same transaction is seen."""
    try:
        parsed = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        return ()
    found: list[RowEvidence] = []
    for raw in parsed:
        node: Any = raw.stmt
        if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
            continue
        schema = node.relation.schemaname or "public"
        table = snapshot.table(schema, node.relation.relname or "")
        if table is None:
            continue
        for command in node.cmds or ():
            # The column may be the change's own (added earlier in it): the table is the base's.
            if not command.name:
                continue
            if command.subtype is enums.AlterTableType.AT_SetNotNull:
                found.append(_evidence(conn, table, command.name, values=False))
            elif command.subtype is enums.AlterTableType.AT_AlterColumnType:
                evidence = _evidence(conn, table, command.name, values=True)
                column = table.column(command.name)
                if column is not None and column.type.startswith("timestamp"):
                    evidence = _in_time_zone(conn, table, column.type, evidence)
                found.append(evidence)
    return tuple(found)


def _evidence(conn: Connection, table: Table, column: str, *, values: bool) -> RowEvidence:
    name = ObjectName(table.schema, table.name)
    key = table.primary_key.columns if table.primary_key is not None else ()
    shown_key = (
        sql.SQL(" || ', ' || ").join(
            sql.SQL("{} || '=' || coalesce({}::text, 'NULL')").format(sql.Literal(k), sql.Identifier(k))
            for k in key
        )
        if key
        else sql.SQL("'ctid=' || ctid::text")
    )
    order = sql.SQL(", ").join(sql.Identifier(k) for k in key) if key else sql.SQL("ctid")
    row = conn.execute(
        sql.SQL(
            "SELECT count(*), count(*) FILTER (WHERE {column} IS NULL),"
            " (SELECT {key} FROM {table} WHERE {column} IS NULL ORDER BY {order} LIMIT 1) FROM {table}"
        ).format(column=sql.Identifier(column), key=shown_key, table=_ident(name), order=order)
    ).fetchone()
    assert row is not None
    held: tuple[tuple[str, int], ...] = ()
    if values:
        counted = conn.execute(
            sql.SQL(
                "SELECT {column}::text, count(*) FROM {table} WHERE {column} IS NOT NULL"
                " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {kept}"
            ).format(column=sql.Identifier(column), table=_ident(name), kept=sql.Literal(_VALUES_KEPT))
        ).fetchall()
        held = tuple((str(value), int(count)) for value, count in counted)
    return RowEvidence(_shown(name), column, int(row[0]), int(row[1]), row[2], held)


def _in_time_zone(conn: Connection, table: Table, type_name: str, evidence: RowEvidence) -> RowEvidence:
    other = "timestamp" if "with time zone" in type_name and "without" not in type_name else "timestamptz"
    row = conn.execute(
        sql.SQL(
            "SELECT current_setting('TimeZone'), min({column})::text, (min({column})::{other})::text"
            " FROM {table}"
        ).format(
            column=sql.Identifier(evidence.column),
            other=sql.SQL(other),
            table=_ident(ObjectName(table.schema, table.name)),
        )
    ).fetchone()
    assert row is not None
    converted = (row[1], row[2]) if row[1] is not None else None
    return replace(evidence, timezone=row[0], converted=converted)


# Values a widened column holds once the change is deployed, and its old type cannot.

_LARGEST = {
    "tinyint": 127,
    "smallint": 32_767,
    "mediumint": 8_388_607,
    "integer": 2_147_483_647,
    "int": 2_147_483_647,
    "bigint": 9_223_372_036_854_775_807,
}
_TEXT_LENGTH = re.compile(r"^(?:character varying|varchar|character|char|nvarchar|nchar)\((\d+)\)")
_UNBOUNDED_TEXT = ("text", "citext", "character varying", "varchar", "longtext", "mediumtext")


def beyond_old_type(old: str, new: str) -> str | None:
    """A SQL literal the `new` column type holds and the `old` one does not, where the change widened an
    integer or a text length (bigint after integer, text after varchar(20)); None otherwise."""
    old_base, new_base = _integer_base(old), _integer_base(new)
    if old_base in _LARGEST and new_base in _LARGEST:
        largest_old = _largest(old_base, old)
        return str(largest_old + 1) if largest_old < _largest(new_base, new) else None
    if old_base in _LARGEST and new_base.startswith(("numeric", "decimal")):
        return str(_largest(old_base, old) + 1)
    length = _TEXT_LENGTH.match(old.lower())
    if length is None:
        return None
    new_length = _TEXT_LENGTH.match(new.lower())
    room = int(new_length.group(1)) if new_length else None
    if room is None and new.lower() not in _UNBOUNDED_TEXT:
        return None
    wanted = int(length.group(1)) + 1
    return "'" + "x" * wanted + "'" if room is None or room >= wanted else None


def _integer_base(type_name: str) -> str:
    # MariaDB prints display widths (int(11)) and signedness (int(10) unsigned).
    return re.sub(r"\(\d+\)", "", type_name.lower()).replace(" unsigned", "").strip()


def _largest(base: str, type_name: str) -> int:
    return _LARGEST[base] * 2 + 1 if "unsigned" in type_name.lower() else _LARGEST[base]
