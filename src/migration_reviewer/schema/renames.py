"""The renames a migration's SQL states, so the schema diff can report them as renames."""

from __future__ import annotations

import re

from pglast import ast, parse_sql
from pglast.enums import ObjectType
from pglast.parser import ParseError

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.schema.model import PUBLIC, RenameHint, SchemaSnapshot

# RENAME TO of a relation; ALTER TABLE can rename any kind of relation, so views count as relations too.
_RELATION_HINTS = {
    ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_FOREIGN_TABLE: "table",
    ObjectType.OBJECT_VIEW: "view",
    ObjectType.OBJECT_MATVIEW: "view",
    ObjectType.OBJECT_INDEX: "index",
}
_SUBOBJECT_HINTS = {
    ObjectType.OBJECT_COLUMN: "column",
    ObjectType.OBJECT_TABCONSTRAINT: "constraint",
}


def rename_hints(sql: str, dialect: Dialect = Dialect.POSTGRESQL) -> list[RenameHint]:
    """The ALTER TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE / INDEX … RENAME statements of `sql`,
    in order (SQLite's share PostgreSQL's grammar; MySQL's have their own, see `_mysql_hints`).
    Unqualified names are taken to be in the public schema. SQL that does not parse has none."""
    if dialect is Dialect.MYSQL:
        return _mysql_hints(sql)
    try:
        statements = parse_sql(sql)
    except ParseError:
        return []
    hints = []
    for raw in statements:
        statement = raw.stmt
        if not isinstance(statement, ast.RenameStmt) or statement.relation is None:
            continue
        schema = statement.relation.schemaname or PUBLIC
        table, new = statement.relation.relname, statement.newname
        if table is None or new is None:
            continue
        if statement.renameType in _RELATION_HINTS:
            hints.append(RenameHint(_RELATION_HINTS[statement.renameType], schema, table, table, new))
        elif statement.renameType in _SUBOBJECT_HINTS and statement.subname is not None:
            kind = _SUBOBJECT_HINTS[statement.renameType]
            hints.append(RenameHint(kind, schema, table, statement.subname, new))
    return hints


# MySQL's own forms that sqlglot reads as an opaque command, or not at all.
_RENAME_TABLES = re.compile(r"\s*RENAME\s+TABLES?\s+(?P<pairs>.+)", re.I | re.S)
_RENAME_PAIR = re.compile(r"\s*(?P<old>[`\w.$]+)\s+TO\s+(?P<new>[`\w.$]+)\s*", re.I)
_RENAME_AS = re.compile(
    r"\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?P<old>[`\w.$]+)\s+RENAME\s+(?:TO\s+|AS\s+)?(?P<new>[`\w.$]+)\s*$",
    re.I,
)


def _mysql_hints(sql: str) -> list[RenameHint]:
    """One MySQL statement's renames: `RENAME TABLE a TO b, …`, and in ALTER TABLE, `RENAME [TO|AS]`,
    `RENAME COLUMN`, `CHANGE [COLUMN] old new …` and `RENAME INDEX|KEY`. The database replayed is the
    snapshot's public schema."""
    if match := _RENAME_TABLES.match(sql):
        pairs = [_RENAME_PAIR.fullmatch(pair) for pair in match["pairs"].split(",")]
        return [
            RenameHint("table", schema, old, old, _unqualified(pair["new"])[1])
            for pair in pairs
            if pair is not None
            for schema, old in [_unqualified(pair["old"])]
        ]
    import sqlglot  # loaded by MySQL reviews only
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="mysql")
    except sqlglot.errors.SqlglotError:
        tree = None
    if not isinstance(tree, exp.Alter) or not isinstance(tree.this, exp.Table):
        if match := _RENAME_AS.match(sql):
            schema, old = _unqualified(match["old"])
            return [RenameHint("table", schema, old, old, _unqualified(match["new"])[1])]
        return []
    schema, table = tree.this.db or PUBLIC, tree.this.name
    hints = []
    for action in tree.args.get("actions") or ():
        if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
            hints.append(RenameHint("table", schema, table, table, action.this.name))
            table = action.this.name  # later actions of the statement name it by its new name
        elif isinstance(action, exp.RenameColumn):
            hints.append(RenameHint("column", schema, table, action.this.name, action.args["to"].name))
        elif isinstance(action, exp.ModifyColumn) and (source := action.args.get("rename_from")) is not None:
            if source.name != action.this.name:  # CHANGE a a …: a type change, not a rename
                hints.append(RenameHint("column", schema, table, source.name, action.this.name))
        elif isinstance(action, exp.RenameIndex):  # an index hint names the index itself (RenameHint)
            old, new = action.this.name, action.args["to"].name
            hints.append(RenameHint("index", schema, old, old, new))
    return hints


def _unqualified(name: str) -> tuple[str, str]:
    """`db`.`t` → (db, t); a bare name is in the database replayed: the public schema."""
    *database, table = (part.strip("`") for part in name.split("."))
    return (database[0] if database else PUBLIC), table


def derived_renames(
    hints: list[RenameHint], before: SchemaSnapshot, after: SchemaSnapshot
) -> list[RenameHint]:
    """For each table `hints` rename, the renames of the constraint and index names derived from the
    table's (`users_pkey` → `members_pkey`, `users_email_key` → `members_email_key`): SQLite's have no
    names of their own, the snapshot gives them PostgreSQL's defaults, and those follow the table. A name
    that did not follow (the SQL gave it) is left as it is."""
    derived = []
    for hint in hints:
        if hint.kind != "table":
            continue
        then, now = before.table(hint.schema, hint.old), after.table(hint.schema, hint.new)
        if then is None or now is None:
            continue
        for kind, old_names, new_names in (
            ("constraint", [c.name for c in then.constraints], {c.name for c in now.constraints}),
            ("index", [i.name for i in then.indexes], {i.name for i in now.indexes}),
        ):
            for name in old_names:
                renamed = hint.new + name[len(hint.old) :]
                if name.startswith(f"{hint.old}_") and name not in new_names and renamed in new_names:
                    # An index hint names the index itself where a constraint hint names its table.
                    table = hint.new if kind == "constraint" else name
                    derived.append(RenameHint(kind, hint.schema, table, name, renamed))
    return derived
