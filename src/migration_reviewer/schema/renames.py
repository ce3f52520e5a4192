"""The renames a migration's SQL states, so the schema diff can report them as renames."""

from __future__ import annotations

from pglast import ast, parse_sql
from pglast.enums import ObjectType
from pglast.parser import ParseError

from migration_reviewer.schema.model import PUBLIC, RenameHint

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


def rename_hints(sql: str) -> list[RenameHint]:
    """The ALTER TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE / INDEX … RENAME statements of `sql`,
    in order. Unqualified names are taken to be in the public schema. SQL that does not parse has none."""
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
