"""Read a MySQL or MariaDB database's schema from information_schema.

The database connected to is the snapshot's "public" schema: the report names its objects bare, and two
scratch copies of one history (with different database names) give equal snapshots. Texts are what
MySQL prints (`COLUMN_TYPE`, `COLUMN_DEFAULT`…), with definitions of indexes and constraints written the
way PostgreSQL's are, so the diff and the report treat every dialect alike. MySQL has no unique
constraints apart from unique indexes: those are indexes only. ENUM and SET are column types, so their
changes are type changes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from migration_reviewer.schema.model import (
    PUBLIC,
    Column,
    Constraint,
    ConstraintKind,
    Function,
    Identity,
    Index,
    ObjectName,
    RelationKind,
    SchemaSnapshot,
    Sequence,
    Table,
    Trigger,
)

_Row = tuple[Any, ...]

_TABLES = """
SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS, DATA_LENGTH FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME
"""
_COLUMNS = """
SELECT c.TABLE_NAME, c.COLUMN_NAME, c.ORDINAL_POSITION, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT,
       c.EXTRA, c.GENERATION_EXPRESSION, c.COLLATION_NAME <> s.DEFAULT_COLLATION_NAME, c.COLLATION_NAME
FROM information_schema.COLUMNS c JOIN information_schema.SCHEMATA s ON s.SCHEMA_NAME = c.TABLE_SCHEMA
WHERE c.TABLE_SCHEMA = DATABASE() ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION
"""
# Key parts in order; MySQL 8's functional key parts have no column but an EXPRESSION (MariaDB has none).
_INDEXES = """
SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""
_CONSTRAINTS = """
SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, rc.UPDATE_RULE, rc.DELETE_RULE
FROM information_schema.TABLE_CONSTRAINTS tc
LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
       ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
      AND rc.TABLE_NAME = tc.TABLE_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'FOREIGN KEY', 'CHECK')
ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME
"""
_KEY_COLUMNS = """
SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME,
       REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION
"""
# CHECK_CONSTRAINTS has no TABLE_NAME in MySQL: TABLE_CONSTRAINTS names the table (names are unique per
# schema in MySQL, per table in MariaDB, hence the join on both where the column exists).
_CHECKS = """
SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()
"""
_TRIGGERS = """
SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORIENTATION,
       ACTION_STATEMENT
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1, 2
"""
_VIEWS = "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
_ROUTINES = """
SELECT r.ROUTINE_NAME, r.ROUTINE_TYPE, r.DTD_IDENTIFIER, r.SECURITY_TYPE, r.IS_DETERMINISTIC,
       r.ROUTINE_DEFINITION,
       (SELECT GROUP_CONCAT(CONCAT_WS(' ', p.PARAMETER_MODE, p.PARAMETER_NAME, p.DTD_IDENTIFIER)
                            ORDER BY p.ORDINAL_POSITION SEPARATOR ', ')
        FROM information_schema.PARAMETERS p
        WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.SPECIFIC_NAME
          AND p.ROUTINE_TYPE = r.ROUTINE_TYPE AND p.ORDINAL_POSITION > 0)
FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = DATABASE() ORDER BY 1, 2
"""

_RULES_SHOWN = {"CASCADE", "SET NULL", "SET DEFAULT"}  # RESTRICT and NO ACTION are the default


def introspect(conn: Any) -> SchemaSnapshot:
    """The schema of the database a PyMySQL connection is using."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT DATABASE()")
        (database,) = cursor.fetchone()

        def rows(sql: str) -> list[_Row]:
            cursor.execute(sql)
            return list(cursor.fetchall())

        tables = rows(_TABLES)
        columns = rows(_COLUMNS)
        cursor.execute(_INDEXES)
        names = [d[0].upper() for d in cursor.description]
        index_parts = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        constraints, key_columns = rows(_CONSTRAINTS), rows(_KEY_COLUMNS)
        checks: dict[str, str] = dict(rows(_CHECKS))
        triggers, views, routines = rows(_TRIGGERS), rows(_VIEWS), rows(_ROUTINES)

    # Stored texts (a view's query) name the database's own objects with it: leave it out.
    prefix = f"`{database}`."
    columns_of = _group((row[0], _column(row)) for row in columns)
    keys: defaultdict[tuple[str, str], list[_Row]] = defaultdict(list)
    for row in key_columns:
        keys[(row[0], row[1])].append(row)
    constraints_of = _group(
        (row[0], _constraint(row, keys[(row[0], row[1])], checks, database)) for row in constraints
    )
    indexes_of = _group(_indexes(index_parts))
    triggers_of = _group((row[0], _trigger(row)) for row in triggers)
    view_definitions = {name: (text or "").replace(prefix, "") for name, text in views}
    return SchemaSnapshot(
        tables=tuple(
            _table(row, columns_of, constraints_of, indexes_of, triggers_of, view_definitions)
            for row in tables
            if row[1] != "SEQUENCE"
        ),
        functions=tuple(_routine(row) for row in routines),
        sequences=tuple(Sequence(PUBLIC, row[0]) for row in tables if row[1] == "SEQUENCE"),
    )


def _group(pairs: Iterable[tuple[str, Any]]) -> dict[str, tuple[Any, ...]]:
    grouped: defaultdict[str, list[Any]] = defaultdict(list)
    for table, item in pairs:
        grouped[table].append(item)
    return {table: tuple(items) for table, items in grouped.items()}


def _table(
    row: _Row,
    columns: dict[str, tuple[Column, ...]],
    constraints: dict[str, tuple[Constraint, ...]],
    indexes: dict[str, tuple[Index, ...]],
    triggers: dict[str, tuple[Trigger, ...]],
    views: dict[str, str],
) -> Table:
    name, kind, rows, size = row
    view = kind == "VIEW"
    definition = views.get(name) if view else None
    return Table(
        schema=PUBLIC,
        name=name,
        kind=RelationKind.VIEW if view else RelationKind.TABLE,
        columns=columns.get(name, ()),
        constraints=constraints.get(name, ()),
        indexes=indexes.get(name, ()),
        triggers=triggers.get(name, ()),
        definition=definition,
        fingerprint=hashlib.sha256(definition.encode()).hexdigest() if definition is not None else None,
        row_estimate=None if view or rows is None else int(rows),
        size_bytes=None if view or size is None else int(size),
    )


def _column(row: _Row) -> Column:
    _, name, ordinal, type_, nullable, default, extra, expression, other_collation, collation = row
    extra = (extra or "").upper()
    generated = "GENERATED" in extra
    if default is not None and "DEFAULT_GENERATED" not in extra and not _is_expression(default):
        default = "'" + default.replace("'", "''") + "'"  # MySQL prints a literal default unquoted
    if default is not None and "ON UPDATE" in extra:
        default += " " + extra[extra.index("ON UPDATE") :].lower()
    return Column(
        name=name,
        type=type_,
        ordinal=int(ordinal),
        nullable=nullable == "YES",
        default=None if generated or default in (None, "NULL") else default,
        identity=Identity.BY_DEFAULT if "AUTO_INCREMENT" in extra else None,
        generated=expression if generated else None,
        virtual=generated and "VIRTUAL" in extra,
        collation=collation if other_collation else None,
    )


def _is_expression(default: str) -> bool:
    """MariaDB prints defaults as SQL (`'text'`, `0`, `current_timestamp()`, `NULL`); MySQL prints
    literals bare, so a number is the only bare literal that needs no quotes."""
    if default.startswith("'") or default == "NULL":
        return True
    try:
        float(default)
    except ValueError:
        return default.endswith(")")  # a function call, as MariaDB prints it
    return True


def _constraint(row: _Row, keys: list[_Row], checks: dict[str, str], database: str) -> Constraint:
    _, name, kind, on_update, on_delete = row
    columns = tuple(key[2] for key in keys)
    listed = ", ".join(columns)
    if kind == "PRIMARY KEY":
        definition = f"PRIMARY KEY ({listed})"
        return Constraint(name, ConstraintKind.PRIMARY_KEY, definition, columns, index="PRIMARY")
    if kind == "CHECK":
        return Constraint(name, ConstraintKind.CHECK, f"CHECK ({checks.get(name, '')})")
    parent_schema, parent = keys[0][3], keys[0][4]
    schema = PUBLIC if parent_schema == database else parent_schema
    referenced = tuple(key[5] for key in keys)
    definition = f"FOREIGN KEY ({listed}) REFERENCES {ObjectName(schema, parent)}({', '.join(referenced)})"
    for event, action in (("DELETE", on_delete), ("UPDATE", on_update)):
        if action in _RULES_SHOWN:
            definition += f" ON {event} {action}"
    return Constraint(
        name,
        ConstraintKind.FOREIGN_KEY,
        definition,
        columns,
        references=ObjectName(schema, parent),
        referenced_columns=referenced,
        on_delete=on_delete,
        on_update=on_update,
    )


def _indexes(parts: list[dict[str, Any]]) -> Iterable[tuple[str, Index]]:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for part in parts:
        grouped.setdefault((part["TABLE_NAME"], part["INDEX_NAME"]), []).append(part)
    for (table, name), key in grouped.items():
        columns = tuple(_key_part(part) for part in key)
        method = (key[0]["INDEX_TYPE"] or "btree").lower()
        unique = not int(key[0]["NON_UNIQUE"])
        primary = name == "PRIMARY"
        kind = "UNIQUE INDEX" if unique else "INDEX"
        definition = f"CREATE {kind} {name} ON {table} USING {method} ({', '.join(columns)})"
        yield (
            table,
            Index(
                name=name,
                definition=definition,
                method=method,
                columns=columns,
                unique=unique,
                primary=primary,
                constraint="PRIMARY" if primary else None,
            ),
        )


def _key_part(part: dict[str, Any]) -> str:
    if part["COLUMN_NAME"] is None:
        return f"({part.get('EXPRESSION')})"
    column = part["COLUMN_NAME"]
    if part["SUB_PART"] is not None:
        column += f"({part['SUB_PART']})"
    return f"{column} DESC" if part.get("COLLATION") == "D" else column


def _trigger(row: _Row) -> Trigger:
    _, name, timing, event, level, body = row
    return Trigger(name=name, function="", timing=timing, events=(event,), level=level, definition=body)


def _routine(row: _Row) -> Function:
    name, kind, returns, security, deterministic, body, arguments = row
    return Function(
        schema=PUBLIC,
        name=name,
        arguments=arguments or "",
        kind=kind.lower(),
        result=returns if kind == "FUNCTION" else None,
        security_definer=security == "DEFINER",
        volatility="immutable" if deterministic == "YES" else "volatile",
        definition_hash=hashlib.sha256((body or "").encode()).hexdigest(),
    )
