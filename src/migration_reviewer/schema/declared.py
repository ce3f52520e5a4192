"""Schemas that a project declares outside its migrations (ORM models, generated types), read statically
and compared with a replayed snapshot: tables, columns and, where the declaration says, nullability."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from migration_reviewer.schema.model import PUBLIC, SchemaSnapshot, display_name

# The runners' own bookkeeping tables: no model declares them.
RUNNER_TABLES = frozenset(
    {"_prisma_migrations", "__drizzle_migrations", "alembic_version", "schema_migrations", "d1_migrations"}
)


@dataclass(frozen=True)
class DeclaredColumn:
    name: str  # as in the database (after @map / the name argument)
    nullable: bool | None  # None: the declaration does not say
    line: int


@dataclass(frozen=True)
class DeclaredTable:
    name: str  # as in the database
    columns: tuple[DeclaredColumn, ...]
    line: int
    schema: str = PUBLIC


class DriftKind(StrEnum):
    TABLE_NOT_CREATED = "table-not-created"  # declared, but the migrations never create it
    TABLE_NOT_DECLARED = "table-not-declared"  # the migrations create it, the declaration lacks it
    COLUMN_NOT_CREATED = "column-not-created"
    COLUMN_NOT_DECLARED = "column-not-declared"
    NULLABILITY = "nullability"  # both have the column; one says NOT NULL, the other not


@dataclass(frozen=True)
class Drift:
    kind: DriftKind
    table: str  # display name ("schema.table", schema omitted for public)
    column: str | None
    line: int | None  # in the declaration, where it has the object
    declared_nullable: bool | None = None  # for NULLABILITY: what the declaration says

    def describe(self, declaration: str) -> str:
        """One sentence, with `declaration` naming the file (e.g. "`schema.prisma`")."""
        what = f"`{self.table}.{self.column}`" if self.column else f"table `{self.table}`"
        if self.kind in (DriftKind.TABLE_NOT_CREATED, DriftKind.COLUMN_NOT_CREATED):
            return f"{declaration} declares {what}, but the schema the migrations build has no such " + (
                "column" if self.column else "table")
        if self.kind in (DriftKind.TABLE_NOT_DECLARED, DriftKind.COLUMN_NOT_DECLARED):
            return f"the migrations create {what}, but {declaration} does not declare it"
        declared = "nullable" if self.declared_nullable else "NOT NULL"
        replayed = "NOT NULL" if self.declared_nullable else "nullable"
        return f"{declaration} declares {what} {declared}, but after the migrations it is {replayed}"


def compare(declared: Sequence[DeclaredTable], snapshot: SchemaSnapshot) -> list[Drift]:
    """What differs between the declaration and the replayed schema, in the schemas the declaration
    covers (public when it declares nothing)."""
    schemas = {t.schema for t in declared} or {PUBLIC}
    drifts: list[Drift] = []
    for table in declared:
        name = display_name(table.schema, table.name)
        replayed = snapshot.table(table.schema, table.name)
        if replayed is None:
            drifts.append(Drift(DriftKind.TABLE_NOT_CREATED, name, None, table.line))
            continue
        names = {c.name for c in table.columns}
        for column in table.columns:
            actual = replayed.column(column.name)
            if actual is None:
                drifts.append(Drift(DriftKind.COLUMN_NOT_CREATED, name, column.name, column.line))
            elif column.nullable is not None and column.nullable != actual.nullable:
                drifts.append(Drift(DriftKind.NULLABILITY, name, column.name, column.line, column.nullable))
        drifts += [Drift(DriftKind.COLUMN_NOT_DECLARED, name, c.name, table.line)
                   for c in replayed.columns if c.name not in names and not c.inherited]
    known = {(t.schema, t.name) for t in declared}
    drifts += [
        Drift(DriftKind.TABLE_NOT_DECLARED, display_name(t.schema, t.name), None, None)
        for t in snapshot.tables
        if t.schema in schemas and t.kind.value == "table" and (t.schema, t.name) not in known
        and t.name not in RUNNER_TABLES and t.partition_of is None
    ]
    return drifts


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def closing(text: str, start: int, pair: str = "{}") -> int:
    """The index of the bracket closing the one at `start`, skipping strings and comments; len(text)
    when it is never closed."""
    depth = 0
    index = start
    opening, close = pair[0], pair[1]
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            end = text.find(char, index + 1)
            while end > 0 and text[end - 1] == "\\":
                end = text.find(char, end + 1)
            index = len(text) if end < 0 else end
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
        elif char == opening:
            depth += 1
        elif char == close:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(text)


def top_level_parts(text: str) -> Iterable[tuple[int, str]]:
    """(offset, part) of `text` split on commas outside brackets and strings."""
    depth, start, index = 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            end = text.find(char, index + 1)
            index = len(text) if end < 0 else end
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            yield start, text[start:index]
            start = index + 1
        index += 1
    yield start, text[start:]
