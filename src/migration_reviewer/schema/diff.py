"""What changed between two schema snapshots, as the report's `schema_changes`.

Objects are matched by name. A rename is reported only when a `RenameHint` states it (the SQL said so);
otherwise a table or column that disappears and one that appears are a drop and an add. PostgreSQL cannot
alter an index or constraint in place (except VALIDATE and deferrability), so one that keeps its name but
not its definition is reported as dropped and added.

What a new table brings is summed up by `table_added`, not repeated column by column; its indexes,
constraints, triggers and policies are still listed, since reviewers and rules look for them. A dropped
table is one `table_dropped`. Objects a partition inherits from its parent (columns, indexes, constraints,
triggers) are reported once, on the parent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from migration_reviewer.schema.model import (
    Column,
    Constraint,
    ConstraintKind,
    EnumType,
    Function,
    Index,
    ObjectName,
    Policy,
    RelationKind,
    RenameHint,
    SchemaChange,
    SchemaSnapshot,
    Sequence,
    Table,
    Trigger,
    display_name,
)
from migration_reviewer.wording import counted

# Every kind `diff` emits, in the order changes of one table are listed. The names are a public contract.
KINDS: tuple[str, ...] = (
    "schema_added",
    "schema_dropped",
    "extension_added",
    "extension_dropped",
    "extension_updated",
    "enum_added",
    "enum_dropped",
    "enum_value_added",
    "enum_value_removed",
    "sequence_added",
    "sequence_dropped",
    "function_added",
    "function_dropped",
    "function_changed",
    "table_added",
    "table_dropped",
    "table_renamed",
    "view_added",
    "view_dropped",
    "view_renamed",
    "view_changed",
    "materialized_view_added",
    "materialized_view_dropped",
    "materialized_view_renamed",
    "materialized_view_changed",
    "partition_attached",
    "partition_detached",
    "rls_enabled",
    "rls_disabled",
    "rls_forced",
    "rls_unforced",
    "column_added",
    "column_dropped",
    "column_renamed",
    "column_type_changed",
    "column_nullability_changed",
    "column_default_changed",
    "column_identity_changed",
    "column_generated_changed",
    "constraint_added",
    "constraint_dropped",
    "constraint_renamed",
    "constraint_validated",
    "constraint_changed",
    "index_added",
    "index_dropped",
    "index_renamed",
    "trigger_added",
    "trigger_dropped",
    "trigger_changed",
    "policy_added",
    "policy_dropped",
    "policy_changed",
)
_KIND_ORDER = {kind: position for position, kind in enumerate(KINDS)}

# The prefix of a relation's own kinds: "table_added", "view_added", "materialized_view_added".
_RELATION_PREFIX = {
    RelationKind.TABLE: "table",
    RelationKind.PARTITIONED_TABLE: "table",
    RelationKind.FOREIGN_TABLE: "table",
    RelationKind.VIEW: "view",
    RelationKind.MATERIALIZED_VIEW: "materialized_view",
}
_HAS_OWN_COLUMNS = {RelationKind.TABLE, RelationKind.PARTITIONED_TABLE, RelationKind.FOREIGN_TABLE}

_RelKey = tuple[str, str]  # (schema, name)


def diff(
    before: SchemaSnapshot, after: SchemaSnapshot, renames: Iterable[RenameHint] = ()
) -> list[SchemaChange]:
    """The changes that turn `before` into `after`, ordered by table, then kind (as in `KINDS`), then name.
    Changes not tied to a table (schemas, extensions, enums, sequences, functions) come first."""
    names = _resolve_renames(before, renames)
    pairs = _pair_relations(before, after, names)
    changes = [
        *_diff_schemas(before, after),
        *_diff_extensions(before, after),
        *_diff_enums(before, after),
        *_diff_sequences(before, after, pairs),
        *_diff_functions(before, after),
        *_diff_relations(pairs),
    ]
    return sorted(changes, key=lambda c: (c.table or "", _KIND_ORDER[c.kind], c.name or ""))


# --- renames ---------------------------------------------------------------------------------------------

_K = TypeVar("_K")


class _Names(Generic[_K]):
    """Follows objects through a series of renames: which original object bears a name now."""

    def __init__(self, originals: Iterable[_K]) -> None:
        self._original_of: dict[_K, _K] = {key: key for key in originals}

    def rename(self, old: _K, new: _K) -> _K | None:
        """Apply one rename; the original object renamed, None if no original bore the name `old` (the
        object was created after `before`, or the hint is wrong)."""
        original = self._original_of.pop(old, None)
        if original is not None:
            self._original_of[new] = original
        return original

    def original(self, current: _K) -> _K | None:
        return self._original_of.get(current)

    def final(self) -> dict[_K, _K]:
        """Original → final name, for the originals whose name was not taken over by another."""
        return {original: current for current, original in self._original_of.items()}


class _Unrenamed(Mapping[_K, _K]):
    """Every name of `before` as it is: what renames come to when nothing was renamed. Building the
    mappings name by name would cost more than the rest of the diff on a schema of thousands of tables,
    where a change touches one."""

    def __getitem__(self, key: _K) -> _K:
        return key

    def __iter__(self) -> Iterator[_K]:
        raise TypeError("the names of an unrenamed schema are not listed")

    def __len__(self) -> int:
        raise TypeError("the names of an unrenamed schema are not counted")


class _UnrenamedByTable(Mapping[_RelKey, Mapping[str, str]]):
    """Per table, every name as it is (see `_Unrenamed`)."""

    def __getitem__(self, key: _RelKey) -> Mapping[str, str]:
        return _Unrenamed()

    def __iter__(self) -> Iterator[_RelKey]:
        raise TypeError("the tables of an unrenamed schema are not listed")

    def __len__(self) -> int:
        raise TypeError("the tables of an unrenamed schema are not counted")


@dataclass
class _Renames:
    relations: Mapping[_RelKey, _RelKey]  # original → final, for every relation of `before` still named
    columns: Mapping[_RelKey, Mapping[str, str]]  # per original relation: original column → final name
    indexes: Mapping[_RelKey, _RelKey]  # (schema, original index) → (schema, final name)
    constraints: Mapping[_RelKey, Mapping[str, str]]  # per original relation: original constraint → final


def _resolve_renames(before: SchemaSnapshot, hints: Iterable[RenameHint]) -> _Renames:
    hints = list(hints)
    if not hints:
        return _Renames(_Unrenamed(), _UnrenamedByTable(), _Unrenamed(), _UnrenamedByTable())
    relations = _Names(_key(t) for t in before.tables)
    columns = {_key(t): _Names(c.name for c in t.columns) for t in before.tables}
    indexes = _Names((t.schema, i.name) for t in before.tables for i in t.indexes)
    constraints = {_key(t): _Names(c.name for c in t.constraints) for t in before.tables}
    # Renaming an index renames the constraint it enforces, and the other way round.
    table_of_constraint_index = {
        (t.schema, i.name): _key(t) for t in before.tables for i in t.indexes if i.constraint
    }
    constraints_with_index = {(_key(t), c.name) for t in before.tables for c in t.constraints if c.index}

    for hint in hints:
        if hint.kind in ("table", "view"):
            relations.rename((hint.schema, hint.old), (hint.schema, hint.new))
            continue
        if hint.kind == "index":
            original_index = indexes.rename((hint.schema, hint.old), (hint.schema, hint.new))
            if original_index in table_of_constraint_index:
                constraints[table_of_constraint_index[original_index]].rename(hint.old, hint.new)
            continue
        table_key = relations.original((hint.schema, hint.table))
        if table_key is None:
            continue
        if hint.kind == "column":
            columns[table_key].rename(hint.old, hint.new)
        elif hint.kind == "constraint":
            original_constraint = constraints[table_key].rename(hint.old, hint.new)
            if (table_key, original_constraint) in constraints_with_index:
                indexes.rename((hint.schema, hint.old), (hint.schema, hint.new))
    return _Renames(
        relations=relations.final(),
        columns={table: names.final() for table, names in columns.items()},
        indexes=indexes.final(),
        constraints={table: names.final() for table, names in constraints.items()},
    )


@dataclass
class _Pairs:
    """Which relation and column of `before` is which of `after`."""

    renames: _Renames
    relations: list[tuple[Table, Table]] = field(default_factory=list)
    dropped: list[Table] = field(default_factory=list)
    added: list[Table] = field(default_factory=list)
    columns: dict[tuple[_RelKey, str], tuple[_RelKey, str]] = field(default_factory=dict)


def _pair_relations(before: SchemaSnapshot, after: SchemaSnapshot, names: _Renames) -> _Pairs:
    pairs = _Pairs(names)
    after_by_key = {_key(t): t for t in after.tables}
    paired: set[_RelKey] = set()
    for old in sorted(before.tables, key=_key):
        final = names.relations.get(_key(old))
        new = after_by_key.get(final) if final is not None else None
        # A table replaced by a view (or a table by a partitioned table) is a drop and an add.
        if new is None or new.kind is not old.kind:
            pairs.dropped.append(old)
            continue
        paired.add(_key(new))
        pairs.relations.append((old, new))
        column_names = names.columns[_key(old)]
        new_columns = {c.name for c in new.columns}
        for column in old.columns:
            final_column = column_names.get(column.name)
            if final_column in new_columns:
                pairs.columns[(_key(old), column.name)] = (_key(new), final_column)
    pairs.added = [t for t in sorted(after.tables, key=_key) if _key(t) not in paired]
    return pairs


# --- objects outside tables ------------------------------------------------------------------------------


def _diff_schemas(before: SchemaSnapshot, after: SchemaSnapshot) -> list[SchemaChange]:
    old, new = set(before.schemas), set(after.schemas)
    return [SchemaChange("schema_added", None, name, "") for name in sorted(new - old)] + [
        SchemaChange("schema_dropped", None, name, "") for name in sorted(old - new)
    ]


def _diff_extensions(before: SchemaSnapshot, after: SchemaSnapshot) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    for name, old, new in _match(before.extensions, after.extensions, lambda e: e.name):
        if old is None and new is not None:
            changes.append(
                SchemaChange("extension_added", None, name, f"version {new.version} in {new.schema}")
            )
        elif new is None and old is not None:
            changes.append(SchemaChange("extension_dropped", None, name, f"version {old.version}"))
        elif old is not None and new is not None and old.version != new.version:
            changes.append(SchemaChange("extension_updated", None, name, f"{old.version} → {new.version}"))
    return changes


def _diff_enums(before: SchemaSnapshot, after: SchemaSnapshot) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    for (schema, name), old, new in _match(before.enums, after.enums, lambda e: (e.schema, e.name)):
        shown = display_name(schema, name)
        if old is None and new is not None:
            changes.append(SchemaChange("enum_added", None, shown, _quoted(new.values)))
        elif new is None and old is not None:
            changes.append(SchemaChange("enum_dropped", None, shown, _quoted(old.values)))
        elif old is not None and new is not None:
            changes.extend(_diff_enum_values(shown, old, new))
    return changes


def _diff_enum_values(shown: str, old: EnumType, new: EnumType) -> list[SchemaChange]:
    changes = []
    for position, value in enumerate(new.values):
        if value in old.values:
            continue
        # ADD VALUE … BEFORE/AFTER places a value anywhere; say where when it is not at the end.
        following = next((v for v in new.values[position + 1 :] if v in old.values), None)
        where = f" before '{following}'" if following is not None else ""
        changes.append(SchemaChange("enum_value_added", None, shown, f"'{value}'{where}"))
    changes.extend(
        SchemaChange("enum_value_removed", None, shown, f"'{value}'")
        for value in old.values
        if value not in new.values
    )
    return changes


def _diff_sequences(before: SchemaSnapshot, after: SchemaSnapshot, pairs: _Pairs) -> list[SchemaChange]:
    # A serial column's sequence comes and goes with its column: only report it when the column stays.
    surviving_old = set(pairs.columns)
    surviving_new = set(pairs.columns.values())

    def owned_by(sequence: Sequence) -> tuple[_RelKey, str] | None:
        if sequence.owned_by is None or sequence.owned_by_column is None:
            return None
        return (sequence.owned_by.schema, sequence.owned_by.name), sequence.owned_by_column

    changes: list[SchemaChange] = []
    for (schema, name), old, new in _match(before.sequences, after.sequences, lambda s: (s.schema, s.name)):
        shown = display_name(schema, name)
        if old is None and new is not None:
            owner = owned_by(new)
            if owner is None or owner in surviving_new:
                changes.append(SchemaChange("sequence_added", None, shown, _sequence_detail(new)))
        elif new is None and old is not None:
            owner = owned_by(old)
            if owner is None or owner in surviving_old:
                changes.append(SchemaChange("sequence_dropped", None, shown, _sequence_detail(old)))
    return changes


def _sequence_detail(sequence: Sequence) -> str:
    if sequence.owned_by is None:
        return sequence.type
    return f"{sequence.type}, owned by {sequence.owned_by}.{sequence.owned_by_column}"


def _diff_functions(before: SchemaSnapshot, after: SchemaSnapshot) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    matched = _match(before.functions, after.functions, lambda f: (f.schema, f.name, f.arguments))
    for _, old, new in matched:
        if old is None and new is not None:
            changes.append(SchemaChange("function_added", None, new.signature, _function_detail(new)))
        elif new is None and old is not None:
            changes.append(SchemaChange("function_dropped", None, old.signature, _function_detail(old)))
        elif old is not None and new is not None and old != new:
            changes.append(SchemaChange("function_changed", None, new.signature, _function_change(old, new)))
    return changes


def _function_detail(function: Function) -> str:
    parts = [function.kind if function.result is None else f"{function.kind} returning {function.result}"]
    parts.append(function.language)
    if function.security_definer:
        parts.append("SECURITY DEFINER")
    parts.extend(f"SET {setting}" for setting in function.config)
    return ", ".join(parts)


def _function_change(old: Function, new: Function) -> str:
    parts = []
    if old.result != new.result:
        parts.append(f"returns {old.result} → {new.result}")
    if old.language != new.language:
        parts.append(f"language {old.language} → {new.language}")
    if old.security_definer != new.security_definer:
        parts.append("SECURITY DEFINER " + ("added" if new.security_definer else "removed"))
    if old.config != new.config:
        old_config, new_config = ", ".join(old.config), ", ".join(new.config)
        if not old_config:
            parts.append(f"SET {new_config} added")
        elif not new_config:
            parts.append(f"SET {old_config} removed")
        else:
            parts.append(f"SET {old_config} → {new_config}")
    if old.volatility != new.volatility:
        parts.append(f"{old.volatility} → {new.volatility}")
    # The definition hash covers all of the above too: only the body can explain a change alone.
    return ", ".join(parts) or "body changed"


# --- relations -------------------------------------------------------------------------------------------


def _diff_relations(pairs: _Pairs) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    for table in pairs.dropped:
        prefix = _RELATION_PREFIX[table.kind]
        changes.append(SchemaChange(f"{prefix}_dropped", _shown(table), None, _relation_detail(table)))
    for table in pairs.added:
        changes.extend(_added_relation(table))
    for old, new in pairs.relations:
        changes.extend(_diff_relation(old, new, pairs.renames))
    return changes


def _added_relation(table: Table) -> list[SchemaChange]:
    shown = _shown(table)
    changes = [SchemaChange(f"{_RELATION_PREFIX[table.kind]}_added", shown, None, _relation_detail(table))]
    if table.rls_enabled:
        changes.append(SchemaChange("rls_enabled", shown, None, _policy_count(table)))
    if table.rls_forced:
        changes.append(SchemaChange("rls_forced", shown, None, ""))
    changes.extend(
        SchemaChange("constraint_added", shown, c.name, c.definition)
        for c in table.constraints
        if not c.inherited
    )
    changes.extend(
        SchemaChange("index_added", shown, i.name, _index_detail(i)) for i in table.indexes if not i.inherited
    )
    changes.extend(
        SchemaChange("trigger_added", shown, t.name, _trigger_detail(t))
        for t in table.triggers
        if not t.inherited
    )
    changes.extend(SchemaChange("policy_added", shown, p.name, _policy_detail(p)) for p in table.policies)
    return changes


def _relation_detail(table: Table) -> str:
    parts = []
    if table.kind is RelationKind.PARTITIONED_TABLE:
        parts.append(f"partitioned by {table.partition_key}" if table.partition_key else str(table.kind))
    elif table.kind is RelationKind.FOREIGN_TABLE:
        parts.append(str(table.kind))
    if table.partition_of is not None:
        parts.append(f"partition of {table.partition_of} {table.partition_bound or ''}".rstrip())
    parts.append(counted(len(table.columns), "column"))
    if table.row_estimate:
        parts.append(f"~{counted(table.row_estimate, 'row')}")
    return ", ".join(parts)


def _diff_relation(old: Table, new: Table, renames: _Renames) -> list[SchemaChange]:
    if old is new or old == new:  # most tables of a large schema: nothing to compare field by field
        return []
    shown = _shown(new)
    prefix = _RELATION_PREFIX[new.kind]
    changes: list[SchemaChange] = []
    if _key(old) != _key(new):
        changes.append(SchemaChange(f"{prefix}_renamed", shown, None, f"{_shown(old)} → {shown}"))
    if old.definition != new.definition and (old.fingerprint is None or old.fingerprint != new.fingerprint):
        changes.append(SchemaChange(f"{prefix}_changed", shown, None, "definition changed"))
    changes.extend(_diff_partitioning(old, new, renames, shown))
    if old.rls_enabled != new.rls_enabled:
        if new.rls_enabled:
            changes.append(SchemaChange("rls_enabled", shown, None, _policy_count(new)))
        else:
            changes.append(SchemaChange("rls_disabled", shown, None, ""))
    if old.rls_forced != new.rls_forced:
        changes.append(SchemaChange("rls_forced" if new.rls_forced else "rls_unforced", shown, None, ""))
    if new.kind in _HAS_OWN_COLUMNS:
        changes.extend(_diff_columns(old, new, renames.columns[_key(old)], shown))
    changes.extend(_diff_constraints(old, new, renames, shown))
    changes.extend(_diff_indexes(old, new, renames.indexes, shown))
    changes.extend(_diff_triggers(old, new, renames.columns[_key(old)], shown))
    changes.extend(_diff_policies(old, new, shown))
    return changes


def _policy_count(table: Table) -> str:
    # With row level security and no policy, nobody but the table's owner sees or changes a row.
    return (
        counted(len(table.policies), "policy") if table.policies else "no policies: only the owner sees rows"
    )


def _diff_partitioning(old: Table, new: Table, renames: _Renames, shown: str) -> list[SchemaChange]:
    old_parent = old.partition_of
    if old_parent is not None:
        final = renames.relations.get((old_parent.schema, old_parent.name))
        old_parent = ObjectName(*final) if final is not None else None
    if old_parent == new.partition_of and old.partition_bound == new.partition_bound:
        return []
    changes = []
    if old.partition_of is not None:
        changes.append(SchemaChange("partition_detached", shown, None, f"from {old.partition_of}"))
    if new.partition_of is not None:
        detail = f"to {new.partition_of} {new.partition_bound or ''}".rstrip()
        changes.append(SchemaChange("partition_attached", shown, None, detail))
    return changes


def _diff_columns(old: Table, new: Table, renamed: Mapping[str, str], shown: str) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    new_by_name = {c.name: c for c in new.columns}
    kept: set[str] = set()
    for column in old.columns:
        final = renamed.get(column.name)
        counterpart = new_by_name.get(final) if final is not None else None
        if counterpart is None:
            if not column.inherited:
                changes.append(SchemaChange("column_dropped", shown, column.name, _column_detail(column)))
            continue
        kept.add(counterpart.name)
        if not (column.inherited or counterpart.inherited):
            changes.extend(_diff_column(column, counterpart, shown))
    changes.extend(
        SchemaChange("column_added", shown, c.name, _column_detail(c))
        for c in new.columns
        if c.name not in kept and not c.inherited
    )
    return changes


def _diff_column(old: Column, new: Column, shown: str) -> list[SchemaChange]:
    name = new.name
    changes = []
    if old.name != new.name:
        changes.append(SchemaChange("column_renamed", shown, name, f"{old.name} → {new.name}"))
    if _type_of(old) != _type_of(new):
        changes.append(SchemaChange("column_type_changed", shown, name, f"{_type_of(old)} → {_type_of(new)}"))
    if old.nullable != new.nullable:
        detail = "NOT NULL → nullable" if new.nullable else "nullable → NOT NULL"
        changes.append(SchemaChange("column_nullability_changed", shown, name, detail))
    # Expressions name columns and sequences, which renames change; the fingerprint tells an edit from that.
    same_expression = old.fingerprint is not None and old.fingerprint == new.fingerprint
    if old.default != new.default and not same_expression:
        if old.default is None:
            detail = f"default {new.default}"
        elif new.default is None:
            detail = f"default {old.default} dropped"
        else:
            detail = f"default {old.default} → {new.default}"
        changes.append(SchemaChange("column_default_changed", shown, name, detail))
    if old.identity != new.identity:
        detail = f"{_identity_of(old) or 'no identity'} → {_identity_of(new) or 'no identity'}"
        changes.append(SchemaChange("column_identity_changed", shown, name, detail))
    if (old.generated, old.virtual) != (new.generated, new.virtual) and not same_expression:
        detail = f"{_generated_of(old) or 'not generated'} → {_generated_of(new) or 'not generated'}"
        changes.append(SchemaChange("column_generated_changed", shown, name, detail))
    return changes


def _type_of(column: Column) -> str:
    return f'{column.type} COLLATE "{column.collation}"' if column.collation else column.type


def _identity_of(column: Column) -> str | None:
    return f"GENERATED {column.identity.upper()} AS IDENTITY" if column.identity else None


def _generated_of(column: Column) -> str | None:
    if column.generated is None:
        return None
    return f"GENERATED ALWAYS AS ({column.generated}) {'VIRTUAL' if column.virtual else 'STORED'}"


def _column_detail(column: Column) -> str:
    parts = [_type_of(column)]
    if not column.nullable:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    parts.extend(filter(None, (_identity_of(column), _generated_of(column))))
    return " ".join(parts)


def _diff_constraints(old: Table, new: Table, renames: _Renames, shown: str) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    renamed = renames.constraints[_key(old)]
    new_by_name = {c.name: c for c in new.constraints}
    kept: set[str] = set()
    for constraint in old.constraints:
        final = renamed.get(constraint.name)
        counterpart = new_by_name.get(final) if final is not None else None
        if counterpart is not None and _same_object(constraint, counterpart):
            kept.add(counterpart.name)
            if not (constraint.inherited or counterpart.inherited):
                changes.extend(_diff_constraint(constraint, counterpart, shown))
        elif constraint.inherited:
            continue
        elif _not_null_validated(constraint, new, renames.columns[_key(old)]):
            detail = constraint.definition.removesuffix(" NOT VALID")
            changes.append(SchemaChange("constraint_validated", shown, constraint.name, detail))
        else:
            changes.append(SchemaChange("constraint_dropped", shown, constraint.name, constraint.definition))
    changes.extend(
        SchemaChange("constraint_added", shown, c.name, c.definition)
        for c in new.constraints
        if c.name not in kept and not c.inherited
    )
    return changes


def _not_null_validated(constraint: Constraint, new: Table, column_names: Mapping[str, str]) -> bool:
    """Snapshots hold only NOT VALID NOT NULL constraints: one that is gone while its column is still
    NOT NULL was validated."""
    if constraint.kind is not ConstraintKind.NOT_NULL or len(constraint.columns) != 1:
        return False
    final = column_names.get(constraint.columns[0])
    column = new.column(final) if final is not None else None
    return column is not None and not column.nullable


def _same_object(old: Constraint | Index, new: Constraint | Index) -> bool:
    """Whether `new` is `old` (perhaps renamed) or an equal replacement, rather than a different object
    under the same name. An unchanged OID says so even when renames changed the printed definition (a
    renamed column, or the referenced table of a foreign key); otherwise the definitions must match,
    which also covers snapshots of two databases (a rollback check) and snapshots built by hand."""
    if old.oid and old.oid == new.oid:
        return True
    if isinstance(old, Index) and isinstance(new, Index):
        return _index_shape(old) == _index_shape(new)
    return old.definition == new.definition


def _diff_constraint(old: Constraint, new: Constraint, shown: str) -> list[SchemaChange]:
    changes = []
    if old.name != new.name:
        changes.append(SchemaChange("constraint_renamed", shown, new.name, f"{old.name} → {new.name}"))
    if not old.validated and new.validated:
        changes.append(SchemaChange("constraint_validated", shown, new.name, new.definition))
    if (old.deferrable, old.deferred) != (new.deferrable, new.deferred):
        detail = f"{_deferrability(old)} → {_deferrability(new)}"
        changes.append(SchemaChange("constraint_changed", shown, new.name, detail))
    return changes


def _deferrability(constraint: Constraint) -> str:
    if not constraint.deferrable:
        return "NOT DEFERRABLE"
    return "DEFERRABLE INITIALLY " + ("DEFERRED" if constraint.deferred else "IMMEDIATE")


def _diff_indexes(
    old: Table, new: Table, renamed: Mapping[_RelKey, _RelKey], shown: str
) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    new_by_name = {i.name: i for i in new.indexes}
    kept: set[str] = set()
    for index in old.indexes:
        final = renamed.get((old.schema, index.name))
        counterpart = new_by_name.get(final[1]) if final is not None else None
        if counterpart is not None and _same_object(index, counterpart):
            kept.add(counterpart.name)
            if index.name != counterpart.name and not counterpart.inherited:
                detail = f"{index.name} → {counterpart.name}"
                changes.append(SchemaChange("index_renamed", shown, counterpart.name, detail))
        elif not index.inherited:
            changes.append(SchemaChange("index_dropped", shown, index.name, _index_detail(index)))
    changes.extend(
        SchemaChange("index_added", shown, i.name, _index_detail(i))
        for i in new.indexes
        if i.name not in kept and not i.inherited
    )
    return changes


def _index_shape(index: Index) -> str:
    # What follows USING in pg_get_indexdef: neither the index's name nor its table's, which renames change.
    _, _, shape = index.definition.partition(" USING ")
    return ("UNIQUE " if index.unique else "") + shape


def _index_detail(index: Index) -> str:
    detail = _index_shape(index)
    return detail if index.valid else f"{detail} (INVALID)"


def _diff_triggers(old: Table, new: Table, renamed: Mapping[str, str], shown: str) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    for name, before, after in _match(old.triggers, new.triggers, lambda t: t.name):
        if (before is not None and before.inherited) or (after is not None and after.inherited):
            continue
        if before is None and after is not None:
            changes.append(SchemaChange("trigger_added", shown, name, _trigger_detail(after)))
        elif after is None and before is not None:
            changes.append(SchemaChange("trigger_dropped", shown, name, _trigger_detail(before)))
        elif before is not None and after is not None:
            changes.extend(_diff_trigger(before, after, renamed, shown))
    return changes


def _diff_trigger(old: Trigger, new: Trigger, renamed: Mapping[str, str], shown: str) -> list[SchemaChange]:
    # Compared field by field: the printed definition names the table and columns, which renames change.
    if old.enabled != new.enabled:
        return [SchemaChange("trigger_changed", shown, new.name, f"{old.enabled} → {new.enabled}")]
    old_columns = tuple(renamed.get(column, column) for column in old.columns)
    if (old.timing, old.events, old.level, old.function, old_columns) != (
        new.timing,
        new.events,
        new.level,
        new.function,
        new.columns,
    ):
        detail = f"{_trigger_detail(old)} → {_trigger_detail(new)}"
        return [SchemaChange("trigger_changed", shown, new.name, detail)]
    return []


def _trigger_detail(trigger: Trigger) -> str:
    events = " OR ".join(trigger.events)
    if trigger.columns:
        events += f" OF {', '.join(trigger.columns)}"
    detail = f"{trigger.timing} {events} FOR EACH {trigger.level}"
    if trigger.function:  # MySQL and SQLite triggers have a body of their own, not a function
        detail += f" → {trigger.function}()"
    return detail if trigger.enabled == "enabled" else f"{detail} ({trigger.enabled})"


def _diff_policies(old: Table, new: Table, shown: str) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    for name, before, after in _match(old.policies, new.policies, lambda p: p.name):
        if before is None and after is not None:
            changes.append(SchemaChange("policy_added", shown, name, _policy_detail(after)))
        elif after is None and before is not None:
            changes.append(SchemaChange("policy_dropped", shown, name, _policy_detail(before)))
        elif before is not None and after is not None and (detail := _policy_change(before, after)):
            changes.append(SchemaChange("policy_changed", shown, name, detail))
    return changes


def _policy_detail(policy: Policy) -> str:
    detail = f"FOR {policy.command} TO {', '.join(policy.roles)}"
    return detail if policy.permissive else f"{detail}, RESTRICTIVE"


def _policy_change(old: Policy, new: Policy) -> str:
    parts = []
    if (old.command, old.permissive) != (new.command, new.permissive):
        parts.append(f"{_policy_detail(old)} → {_policy_detail(new)}")
    elif old.roles != new.roles:
        parts.append(f"TO {', '.join(old.roles)} → {', '.join(new.roles)}")
    # The expressions name columns, which a rename changes; the fingerprint tells an edit from that.
    if old.fingerprint is None or old.fingerprint != new.fingerprint:
        if old.using != new.using:
            parts.append("USING changed")
        if old.with_check != new.with_check:
            parts.append("WITH CHECK changed")
    return ", ".join(parts)


# --- helpers ---------------------------------------------------------------------------------------------

_O = TypeVar("_O")
_Id = TypeVar("_Id")


def _match(
    old: Iterable[_O], new: Iterable[_O], identity: Callable[[_O], _Id]
) -> list[tuple[_Id, _O | None, _O | None]]:
    """Objects of both sides by identity: (identity, old or None, new or None), in the sides' order."""
    old_by_id = {identity(o): o for o in old}
    new_by_id = {identity(o): o for o in new}
    ids = [*old_by_id, *(i for i in new_by_id if i not in old_by_id)]
    return [(i, old_by_id.get(i), new_by_id.get(i)) for i in ids]


def _key(table: Table) -> _RelKey:
    return table.schema, table.name


def _shown(table: Table) -> str:
    return display_name(table.schema, table.name)


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)
