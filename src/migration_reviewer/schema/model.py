"""The schema of a database at one moment, and one change between two such moments."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SchemaChange:
    """One entry of `schema_changes` in the JSON report. `kind` values are part of the report contract:
    add new ones, never rename one."""

    kind: str  # e.g. "table_added", "column_type_changed"
    table: str | None  # qualified as "schema.table", schema omitted for "public"
    name: str | None  # the object's own name (column, index, constraint…), None for table-level kinds
    detail: str  # a short human description, e.g. "varchar(50) → text"


@dataclass(frozen=True)
class RenameHint:
    """A rename the SQL states explicitly, so the diff reports a rename instead of a drop and an add."""

    kind: str  # "table" or "column"
    schema: str
    table: str  # for a column rename: the table (its name at the time of the rename)
    old: str
    new: str
