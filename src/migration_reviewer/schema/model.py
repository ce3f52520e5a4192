"""The schema of a database at one moment, and one change between two such moments.

A `SchemaSnapshot` is plain, frozen data: tuples rather than lists, names rather than catalog OIDs (except
where an OID is what tells two versions of one object apart), so it can be compared, stored as JSON and
built by hand in tests. Texts such as types, defaults and definitions are what PostgreSQL itself prints
(`format_type`, `pg_get_expr`, `pg_get_indexdef`…) with `search_path` set to `pg_catalog, public`: objects
of the public schema print unqualified, everything else qualified.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

PUBLIC = "public"


def display_name(schema: str, name: str) -> str:
    """How the report names an object: bare in the public schema, qualified elsewhere."""
    return name if schema == PUBLIC else f"{schema}.{name}"


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

    kind: str  # "table", "view" (any relation: they share one namespace), "column", "index" or "constraint"
    schema: str
    table: str  # the relation the statement names, by its name at the time of the rename: for "table",
    #             "view" and "index" the renamed object itself, for "column" and "constraint" its table
    old: str
    new: str


class RelationKind(StrEnum):
    TABLE = "table"
    PARTITIONED_TABLE = "partitioned table"
    VIEW = "view"
    MATERIALIZED_VIEW = "materialized view"
    FOREIGN_TABLE = "foreign table"


class ConstraintKind(StrEnum):
    PRIMARY_KEY = "primary key"
    UNIQUE = "unique"
    CHECK = "check"
    FOREIGN_KEY = "foreign key"
    EXCLUSION = "exclusion"
    NOT_NULL = "not null"  # only NOT VALID ones (PostgreSQL 18); otherwise Column.nullable says it all


class Identity(StrEnum):
    ALWAYS = "always"
    BY_DEFAULT = "by default"


@dataclass(frozen=True)
class ObjectName:
    schema: str
    name: str

    def __str__(self) -> str:
        return display_name(self.schema, self.name)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as format_type prints it: "character varying(50)", "timestamp with time zone", "mood"
    ordinal: int = 0  # attnum: dropped columns leave gaps
    nullable: bool = True
    default: str | None = None
    identity: Identity | None = None
    generated: str | None = None  # the expression of GENERATED ALWAYS AS (…)
    virtual: bool = False  # a generated column computed on read (PostgreSQL 18), otherwise STORED
    collation: str | None = None  # only when it differs from the type's default collation
    fingerprint: str | None = None  # of a generated column's expression, as Table.fingerprint
    inherited: bool = False  # defined by a parent table only (a partition's columns): changes come from it


@dataclass(frozen=True)
class Constraint:
    name: str
    kind: ConstraintKind
    definition: str  # pg_get_constraintdef: "FOREIGN KEY (user_id) REFERENCES users(id) NOT VALID"
    columns: tuple[str, ...] = ()
    validated: bool = True
    references: ObjectName | None = None  # the referenced table of a foreign key
    referenced_columns: tuple[str, ...] = ()
    on_delete: str | None = None  # "NO ACTION", "RESTRICT", "CASCADE", "SET NULL" or "SET DEFAULT"
    on_update: str | None = None
    deferrable: bool = False
    deferred: bool = False  # INITIALLY DEFERRED
    index: str | None = None  # the index that enforces a primary key, unique or exclusion constraint
    inherited: bool = False  # copied from a parent table (partitions, inheritance children)
    oid: int = 0  # tells a constraint whose text changed through a rename from one dropped and re-added


@dataclass(frozen=True)
class Index:
    name: str
    definition: str  # pg_get_indexdef: "CREATE INDEX users_email_idx ON public.users USING btree (email)"
    method: str = "btree"
    columns: tuple[str, ...] = ()  # key columns, or their expressions
    include: tuple[str, ...] = ()
    predicate: str | None = None  # WHERE of a partial index
    unique: bool = False
    primary: bool = False
    valid: bool = True  # False after a failed CREATE INDEX CONCURRENTLY, or an unattached partitioned index
    constraint: str | None = None  # the constraint this index enforces
    inherited: bool = False  # a partition's index attached to its parent's partitioned index
    oid: int = 0  # as for Constraint


@dataclass(frozen=True)
class Trigger:
    name: str
    function: str
    timing: str = "AFTER"  # "BEFORE", "AFTER" or "INSTEAD OF"
    events: tuple[str, ...] = ()  # "INSERT", "UPDATE", "DELETE", "TRUNCATE"
    level: str = "ROW"  # or "STATEMENT"
    columns: tuple[str, ...] = ()  # UPDATE OF …
    enabled: str = "enabled"  # "disabled", or "replica" / "always" after ENABLE REPLICA / ALWAYS TRIGGER
    definition: str = ""  # pg_get_triggerdef
    inherited: bool = False  # cloned from a partitioned table's trigger


@dataclass(frozen=True)
class Policy:
    name: str
    command: str = "ALL"  # "ALL", "SELECT", "INSERT", "UPDATE" or "DELETE"
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: str | None = None
    with_check: str | None = None
    fingerprint: str | None = None  # of USING and WITH CHECK as stored, as Table.fingerprint


@dataclass(frozen=True)
class Table:
    """A relation with columns: a table, partitioned table, view, materialized view or foreign table."""

    schema: str
    name: str
    kind: RelationKind = RelationKind.TABLE
    columns: tuple[Column, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    policies: tuple[Policy, ...] = ()
    rls_enabled: bool = False
    rls_forced: bool = False
    definition: str | None = None  # of a view or materialized view (pg_get_viewdef)
    # A hash of the view's stored query, which refers to tables and columns by OID and number: a rename
    # changes the printed definition but not this.
    fingerprint: str | None = None
    partition_of: ObjectName | None = None
    partition_bound: str | None = None  # "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')"
    partition_key: str | None = None  # of a partitioned table: "RANGE (created_at)"
    row_estimate: int | None = None  # reltuples; None until analysed or vacuumed (0 before PostgreSQL 14)
    size_bytes: int | None = None  # heap and TOAST data, no indexes; None for relations without storage

    @property
    def primary_key(self) -> Constraint | None:
        return next((c for c in self.constraints if c.kind is ConstraintKind.PRIMARY_KEY), None)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class EnumType:
    schema: str
    name: str
    values: tuple[str, ...]  # in their sort order


@dataclass(frozen=True)
class Function:
    """A function, procedure or aggregate; identified by schema, name and argument types."""

    schema: str
    name: str
    arguments: str  # pg_get_function_identity_arguments: "user_id bigint, note text"
    kind: str = "function"  # "procedure", "aggregate" or "window"
    result: str | None = None  # pg_get_function_result; None for procedures
    language: str = "sql"
    security_definer: bool = False
    config: tuple[str, ...] = ()  # proconfig, e.g. ("search_path=public",)
    volatility: str = "volatile"  # "immutable", "stable" or "volatile"
    definition_hash: str = ""  # sha256 of pg_get_functiondef: changes with the body

    @property
    def signature(self) -> str:
        return f"{display_name(self.schema, self.name)}({self.arguments})"


@dataclass(frozen=True)
class Sequence:
    """A sequence that is not an identity column's own (those belong to their column)."""

    schema: str
    name: str
    type: str = "bigint"
    owned_by: ObjectName | None = None  # the table of OWNED BY (serial columns)
    owned_by_column: str | None = None


@dataclass(frozen=True)
class Extension:
    name: str
    version: str
    schema: str


@dataclass(frozen=True)
class SchemaSnapshot:
    schemas: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()  # every relation with columns, views included, ordered by schema and name
    enums: tuple[EnumType, ...] = ()
    functions: tuple[Function, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    extensions: tuple[Extension, ...] = ()

    def table(self, schema: str, name: str) -> Table | None:
        return self._by_name.get((schema, name))

    @functools.cached_property
    def _by_name(self) -> dict[tuple[str, str], Table]:
        # Rules look tables up by name over and over: a schema of thousands of tables stays linear.
        return {(t.schema, t.name): t for t in self.tables}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (lists, dicts, strings, numbers, booleans, None)."""
        result = _to_json(self)
        assert isinstance(result, dict)
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SchemaSnapshot:
        """The inverse of `to_dict`, e.g. for a snapshot stored as JSON."""
        snapshot = _from_json(cls, data)
        assert isinstance(snapshot, cls)
        return snapshot


def _to_json(value: object) -> object:
    # Plain values first: they are most of a snapshot's tens of thousands.
    if value is None or type(value) in _PLAIN:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        state = vars(value)
        return {name: _to_json(state[name]) for name in _field_names(type(value))}
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


_PLAIN = frozenset({str, int, float, bool})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _from_json(annotation: Any, value: Any) -> Any:
    return _decoder(annotation)(value)


@functools.cache
def _decoder(annotation: Any) -> typing.Callable[[Any], Any]:
    """A function that builds a value of `annotation` from its JSON form. Driven by the annotations, so a
    new field with a default needs no change here; made once per type, since a kept base's snapshot of a
    large schema has tens of thousands of values to build."""
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return _nullable(_dataclass_builder(annotation))
    origin = typing.get_origin(annotation)
    if origin is tuple:
        item_decoder = _decoder(typing.get_args(annotation)[0])
        return _nullable(lambda value: tuple(map(item_decoder, value)))
    if origin is types.UnionType:
        (inner,) = (arg for arg in typing.get_args(annotation) if arg is not type(None))
        return _decoder(inner)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _nullable(annotation)
    return _as_is


def _as_is(value: Any) -> Any:
    return value


def _dataclass_builder(cls: type) -> typing.Callable[[dict[str, Any]], Any]:
    """Builds `cls` by filling its instance dictionary: the frozen dataclasses' __init__ (a guarded
    setattr per field) costs three times as much, over tens of thousands of objects. Unknown keys (a note
    from a newer version) are left out; a missing field without a default is an error, as in __init__."""
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    known = frozenset(f.name for f in fields)
    required = frozenset(f.name for f in fields if f.default is dataclasses.MISSING)
    defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
    if any(f.default_factory is not dataclasses.MISSING for f in fields):
        raise TypeError(f"{cls.__name__}: a field with a default factory cannot be decoded")
    # Plain values go in as they are; only fields of other types need building.
    to_build = [(f.name, decoder) for f in fields if (decoder := _decoder(hints[f.name])) is not _as_is]

    def build(value: dict[str, Any]) -> Any:
        if not value.keys() >= required:
            raise KeyError(f"{cls.__name__}: missing {', '.join(sorted(required - value.keys()))}")
        built: Any = object.__new__(cls)
        state = built.__dict__
        state.update(defaults)
        state.update(value)
        for name, decode in to_build:
            item = value.get(name)
            if item is not None:
                state[name] = decode(item)
        if len(state) > len(known):
            for name in state.keys() - known:
                del state[name]
        return built

    return build


def _nullable(decode: typing.Callable[[Any], Any]) -> typing.Callable[[Any], Any]:
    return lambda value: None if value is None else decode(value)
