"""Read a SQLite database's schema from `sqlite_schema` and the table PRAGMAs.

The main database is the snapshot's "public" schema. SQLite keeps no names for the constraints a table
declares inline, so they get PostgreSQL's default names (`users_pkey`, `users_email_key`,
`orders_user_id_fkey`): stable across a table rebuild, as the constraints themselves are. CHECK
constraints live only in the CREATE TABLE text: they are read from it with sqlglot. Index and
constraint definitions are written the way PostgreSQL's are, so the diff treats every dialect alike.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from typing import Any

import sqlglot
from sqlglot import exp

from migration_reviewer.schema.model import (
    PUBLIC,
    Column,
    Constraint,
    ConstraintKind,
    Identity,
    Index,
    ObjectName,
    RelationKind,
    SchemaSnapshot,
    Table,
    Trigger,
)

# Leaves out SQLite's own tables, and the ones Cloudflare D1 keeps its metadata in.
_OBJECTS = """
SELECT type, name, tbl_name, sql FROM sqlite_schema
WHERE type IN ('table', 'view', 'index', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
  AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
ORDER BY name
"""
_TRIGGER = re.compile(
    r"\bTRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+(BEFORE|AFTER|INSTEAD\s+OF)?\s*"
    r"(DELETE|INSERT|UPDATE)(?:\s+OF\s+(.*?))?\s+ON\s",
    re.I | re.S,
)
_HIDDEN_VIRTUAL, _HIDDEN_STORED = 2, 3  # table_xinfo's `hidden` for generated columns


def introspect(conn: sqlite3.Connection) -> SchemaSnapshot:
    """The schema of the connection's main database."""
    objects = conn.execute(_OBJECTS).fetchall()
    index_sql = {name: sql for kind, name, _, sql in objects if kind == "index"}
    triggers: defaultdict[str, list[Trigger]] = defaultdict(list)
    for kind, name, table, sql in objects:
        if kind == "trigger":
            triggers[table].append(_trigger(name, sql))
    tables = []
    for kind, name, _, sql in objects:
        if kind == "table":
            tables.append(_table(conn, name, sql, index_sql, tuple(triggers[name])))
        elif kind == "view":
            tables.append(
                Table(
                    PUBLIC,
                    name,
                    RelationKind.VIEW,
                    columns=_columns(conn, name, sql),
                    triggers=tuple(triggers[name]),  # INSTEAD OF triggers
                    definition=sql,
                )
            )
    return SchemaSnapshot(tables=tuple(tables))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(
    conn: sqlite3.Connection, name: str, sql: str, index_sql: dict[str, str], triggers: tuple[Trigger, ...]
) -> Table:
    columns = _columns(conn, name, sql)
    info = conn.execute(f"PRAGMA table_xinfo({_quote(name)})").fetchall()
    key = tuple(row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5]))
    constraints = []
    if key:
        constraints.append(
            Constraint(f"{name}_pkey", ConstraintKind.PRIMARY_KEY, f"PRIMARY KEY ({', '.join(key)})", key)
        )
    constraints += _foreign_keys(conn, name)
    constraints += _checks(name, sql)
    (rows,) = conn.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()
    return Table(
        PUBLIC,
        name,
        RelationKind.TABLE,
        columns=columns,
        constraints=tuple(constraints),
        indexes=_indexes(conn, name, index_sql),
        triggers=triggers,
        row_estimate=rows,  # exact, and cheap at the sizes a replay makes
    )


def _columns(conn: sqlite3.Connection, name: str, sql: str) -> tuple[Column, ...]:
    try:
        info = conn.execute(f"PRAGMA table_xinfo({_quote(name)})").fetchall()
    except sqlite3.Error:
        return ()  # a view over a table that is gone: the view is still there, broken
    generated = _generated_expressions(sql) if any(row[6] in (2, 3) for row in info) else {}
    primary = [row for row in info if row[5]]
    # A lone INTEGER PRIMARY KEY is the rowid: SQLite numbers new rows itself.
    rowid = primary[0][1] if len(primary) == 1 and primary[0][2].upper() == "INTEGER" else None
    return tuple(
        Column(
            name=column,
            type=type_.lower(),
            ordinal=cid + 1,
            nullable=not notnull and not pk,
            default=default,
            identity=Identity.BY_DEFAULT if column == rowid else None,
            generated=generated.get(column, "?") if hidden in (_HIDDEN_VIRTUAL, _HIDDEN_STORED) else None,
            virtual=hidden == _HIDDEN_VIRTUAL,
        )
        for cid, column, type_, notnull, default, pk, hidden in info
        if hidden != 1  # the hidden columns of a virtual table
    )


def _parsed(sql: str) -> exp.Expr | None:
    try:
        return sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.SqlglotError:
        return None


def _generated_expressions(sql: str) -> dict[str, str]:
    tree = _parsed(sql)
    found = {}
    for column in tree.find_all(exp.ColumnDef) if tree is not None else ():
        for constraint in column.find_all(exp.ComputedColumnConstraint):
            found[column.name] = constraint.this.sql("sqlite")
    return found


def _checks(table: str, sql: str) -> list[Constraint]:
    """Named as PostgreSQL names them when the text does not: `t_col_check`, `t_check`, `t_check1`."""
    tree = _parsed(sql)
    checks: list[Constraint] = []
    for check in tree.find_all(exp.CheckColumnConstraint) if tree is not None else ():
        named = check.find_ancestor(exp.Constraint)
        column = check.find_ancestor(exp.ColumnDef)
        name = f"{table}_{column.name}_check" if column is not None else f"{table}_check"
        name = named.name if named is not None else name
        taken = {c.name for c in checks}
        base, number = name, 0
        while name in taken:
            number += 1
            name = f"{base}{number}"
        checks.append(Constraint(name, ConstraintKind.CHECK, f"CHECK ({check.this.sql('sqlite')})"))
    return checks


def _foreign_keys(conn: sqlite3.Connection, table: str) -> list[Constraint]:
    rows = conn.execute(f"PRAGMA foreign_key_list({_quote(table)})").fetchall()
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    constraints = []
    for _, parts in sorted(grouped.items()):
        parts.sort(key=lambda r: r[1])
        parent, on_update, on_delete = parts[0][2], parts[0][5], parts[0][6]
        columns = tuple(r[3] for r in parts)
        referenced = tuple(r[4] for r in parts if r[4] is not None) or _primary_key(conn, parent)
        definition = f"FOREIGN KEY ({', '.join(columns)}) REFERENCES {parent}({', '.join(referenced)})"
        for event, action in (("DELETE", on_delete), ("UPDATE", on_update)):
            if action not in ("NO ACTION", None):
                definition += f" ON {event} {action}"
        constraints.append(
            Constraint(
                f"{table}_{'_'.join(columns)}_fkey",
                ConstraintKind.FOREIGN_KEY,
                definition,
                columns,
                references=ObjectName(PUBLIC, parent),
                referenced_columns=referenced,
                on_delete=on_delete,
                on_update=on_update,
            )
        )
    return constraints


def _primary_key(conn: sqlite3.Connection, table: str) -> tuple[str, ...]:
    """A foreign key that names no columns references its parent's primary key."""
    try:
        info = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    except sqlite3.Error:
        return ()
    return tuple(row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5]))


def _indexes(conn: sqlite3.Connection, table: str, index_sql: dict[str, str]) -> tuple[Index, ...]:
    indexes = []
    for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({_quote(table)})").fetchall():
        if origin == "pk":
            continue  # the primary key constraint says it
        keys = [r for r in conn.execute(f"PRAGMA index_xinfo({_quote(name)})").fetchall() if r[5]]
        sql = index_sql.get(name)
        expressions, predicate = _index_parts(sql) if sql else ([], None)
        columns = tuple(
            row[2] if row[2] is not None else (expressions[i] if i < len(expressions) else "?")
            for i, row in enumerate(keys)
        )
        if origin == "u":  # a UNIQUE constraint of the table: SQLite names it sqlite_autoindex_…
            name = f"{table}_{'_'.join(columns)}_key"
        definition = (
            f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {table} USING btree ({', '.join(columns)})"
            + (f" WHERE {predicate}" if partial and predicate else "")
        )
        indexes.append(
            Index(
                name=name,
                definition=definition,
                columns=columns,
                predicate=predicate if partial else None,
                unique=bool(unique),
            )
        )
    return tuple(sorted(indexes, key=lambda index: index.name))


def _index_parts(sql: str) -> tuple[list[str], str | None]:
    """The key expressions and the WHERE of a CREATE INDEX text."""
    tree = _parsed(sql)
    index = tree.find(exp.Index) if tree is not None else None
    params = index.args.get("params") if index is not None else None
    if params is None:
        return [], None
    expressions = [column.sql("sqlite") for column in params.args.get("columns") or ()]
    where = params.args.get("where")
    return expressions, where.this.sql("sqlite") if where is not None else None


def _trigger(name: str, sql: str) -> Trigger:
    match = _TRIGGER.search(sql)
    timing, event, columns = (match.group(1), match.group(2), match.group(3)) if match else (None, "", None)
    return Trigger(
        name=name,
        function="",
        timing=re.sub(r"\s+", " ", (timing or "BEFORE").upper()),  # SQLite's default timing
        events=(event.upper(),),
        columns=tuple(c.strip().strip('"`[]') for c in columns.split(",")) if columns else (),
        definition=sql,
    )
