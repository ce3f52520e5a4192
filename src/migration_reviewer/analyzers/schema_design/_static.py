"""The tables a change creates or alters, read from its SQL alone: what the schema-design rules see in
`lint`, where no replay gives the schema after the change.

Only what the statements say is known. A table the change creates is complete (unless it copies columns
with LIKE, INHERITS or OF a type: those are left out); of a table it only alters, the columns, keys and
indexes it adds. A foreign key added to an existing table is kept only when the change also adds its
columns: an index on older columns may already exist, and no rule may guess that it does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.sql import Node, fields, relation, strings, type_of
from migration_reviewer.schema.model import (
    PUBLIC,
    Column,
    Constraint,
    ConstraintKind,
    Index,
    ObjectName,
    Table,
)

# The parser's type names → format_type's, as the replay's schema spells them.
_TYPE_NAMES = {
    "int4": "integer",
    "serial": "integer",
    "serial4": "integer",
    "int2": "smallint",
    "smallserial": "smallint",
    "serial2": "smallint",
    "int8": "bigint",
    "bigserial": "bigint",
    "serial8": "bigint",
    "varchar": "character varying",
    "bpchar": "character",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
}
_ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def format_type(type_name: Node) -> str:
    """A TypeName's fields as format_type prints the type: "character varying(20)", "timestamp(3) without
    time zone", "integer[]"."""
    name, mods = type_of(type_name)
    array = name.endswith("[]")
    name = name.removesuffix("[]")
    spelled = _TYPE_NAMES.get(name, name)
    if mods:
        arguments = f"({','.join(map(str, mods))})"
        if spelled.startswith(("timestamp ", "time ")):  # "timestamp(3) without time zone"
            first, rest = spelled.split(" ", 1)
            spelled = f"{first}{arguments} {rest}"
        else:  # "character varying(20)"
            spelled += arguments
    return spelled + ("[]" if array else "")


@dataclass
class _Draft:
    schema: str
    name: str
    new: bool
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    partition_of: ObjectName | None = None
    added_columns: set[str] = field(default_factory=set)

    def table(self) -> Table:
        constraints = [
            c
            for c in self.constraints
            if self.new or c.kind is not ConstraintKind.FOREIGN_KEY or set(c.columns) <= self.added_columns
        ]
        return Table(
            self.schema,
            self.name,
            columns=tuple(self.columns.values()),
            constraints=tuple(constraints),
            indexes=tuple(self.indexes),
            partition_of=self.partition_of,
        )


def static_tables(ctx: AnalysisContext) -> Iterator[tuple[Table, str, bool, set[str], set[str], set[str]]]:
    """(table, report name, created by the change, columns added or retyped, constraints added, indexes
    added) for each table the change's SQL creates or alters, in the order it first names them."""
    drafts: dict[str, _Draft] = {}
    skipped: set[str] = set()  # created with columns the SQL does not list (LIKE, INHERITS, OF)

    def draft(rangevar: Node, new: bool = False) -> _Draft:
        name = relation(rangevar)
        if name not in drafts or new:
            schema = rangevar.get("schemaname") or PUBLIC
            drafts[name] = _Draft(schema, rangevar.get("relname", ""), new)
        return drafts[name]

    for stmt in ctx.statements:
        body = stmt.body
        if stmt.kind == "CreateStmt":
            name = relation(body["relation"])
            copies = body.get("inhRelations") and not body.get("partbound")
            if body["relation"].get("relpersistence") == "t" or copies or body.get("ofTypename") or any(
                "TableLikeClause" in element for element in body.get("tableElts", ())
            ):
                skipped.add(name)
                drafts.pop(name, None)
                continue
            table = draft(body["relation"], new=True)
            if body.get("partbound"):
                parent = fields(body["inhRelations"][0], "RangeVar") if body.get("inhRelations") else {}
                table.partition_of = ObjectName(parent.get("schemaname") or PUBLIC, parent.get("relname", ""))
            for element in body.get("tableElts", ()):
                if "ColumnDef" in element:
                    _add_column(table, element["ColumnDef"])
                elif "Constraint" in element:
                    _add_constraint(table, element["Constraint"], ())
        elif stmt.altered_table is not None and stmt.altered_table not in skipped:
            table = draft(body["relation"])
            for cmd in stmt.alter_commands:
                definition = cmd.get("def", {})
                if cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in definition:
                    _add_column(table, definition["ColumnDef"])
                elif cmd.get("subtype") == "AT_AlterColumnType" and "ColumnDef" in definition:
                    column = cmd.get("name", "")
                    table.columns[column] = Column(column, format_type(definition["ColumnDef"]["typeName"]))
                    table.added_columns.add(column)
                elif cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in definition:
                    _add_constraint(table, definition["Constraint"], ())
        elif stmt.kind == "IndexStmt" and relation(body["relation"]) not in skipped:
            table = draft(body["relation"])
            params = [fields(param, "IndexElem") for param in body.get("indexParams", ())]
            columns = tuple(param.get("name") or "(expression)" for param in params)
            table.indexes.append(
                Index(body.get("idxname", ""), "", columns=columns, unique=bool(body.get("unique")))
            )
    for name, table in drafts.items():
        if not table.new and not (table.added_columns or table.constraints or table.indexes):
            continue
        built = table.table()
        yield (
            built,
            name,
            table.new,
            set(table.added_columns) | ({c.name for c in built.columns} if table.new else set()),
            {c.name for c in built.constraints},
            {i.name for i in built.indexes},
        )


def _add_column(table: _Draft, column: Node) -> None:
    name = column.get("colname", "")
    nullable = True
    for node in column.get("constraints", ()):
        constraint = fields(node, "Constraint")
        if constraint.get("contype") in ("CONSTR_NOTNULL", "CONSTR_PRIMARY"):
            nullable = False
        _add_constraint(table, constraint, (name,))
    table.columns[name] = Column(name, format_type(column.get("typeName", {})), nullable=nullable)
    table.added_columns.add(name)


def _add_constraint(table: _Draft, constraint: Node, column: tuple[str, ...]) -> None:
    """A table's or a column's constraint (`column` holds the column a column constraint is on)."""
    contype = constraint.get("contype")
    if contype == "CONSTR_PRIMARY" or contype == "CONSTR_UNIQUE":
        columns = column or tuple(strings(constraint.get("keys")))
        primary = contype == "CONSTR_PRIMARY"
        suffix = "pkey" if primary else "_".join(columns) + "_key"
        name = constraint.get("conname") or f"{table.name}_{suffix}"
        kind = ConstraintKind.PRIMARY_KEY if primary else ConstraintKind.UNIQUE
        table.constraints.append(Constraint(name, kind, "", columns=columns))
        if not constraint.get("indexname"):  # USING INDEX: the index is an older one, of unknown columns
            table.indexes.append(Index(name, "", columns=columns, unique=True, primary=primary))
    elif contype == "CONSTR_FOREIGN":
        columns = column or tuple(strings(constraint.get("fk_attrs")))
        target = constraint.get("pktable", {})
        name = constraint.get("conname") or f"{table.name}_{'_'.join(columns)}_fkey"
        table.constraints.append(
            Constraint(
                name,
                ConstraintKind.FOREIGN_KEY,
                "",
                columns=columns,
                validated=not constraint.get("skip_validation"),
                references=ObjectName(target.get("schemaname") or PUBLIC, target.get("relname", "")),
                referenced_columns=tuple(strings(constraint.get("pk_attrs"))),
                on_delete=_ON_DELETE.get(constraint.get("fk_del_action", "a")),
            )
        )
