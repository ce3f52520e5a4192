"""The tables a change touches and their foreign-key neighbours, with what changed marked: the data the
schema diagram is drawn from. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from migration_reviewer.report.model import ColumnView, ReferenceView, TableView
from migration_reviewer.schema.model import (
    ConstraintKind,
    RelationKind,
    SchemaChange,
    SchemaSnapshot,
    Table,
    display_name,
)

_DRAWN = (RelationKind.TABLE, RelationKind.PARTITIONED_TABLE)
_KEY_LABELS = {
    ConstraintKind.PRIMARY_KEY: "PK",
    ConstraintKind.FOREIGN_KEY: "FK",
    ConstraintKind.UNIQUE: "UK",
}
_TABLE_CHANGES = {"table_added": "added", "table_dropped": "dropped", "table_renamed": "renamed"}


def table_views(
    before: SchemaSnapshot | None, after: SchemaSnapshot | None, changes: Sequence[SchemaChange]
) -> tuple[TableView, ...]:
    """Touched tables first (in the order the diff names them), then their neighbours by name."""
    now = _by_name(after)
    then = _by_name(before)
    touched: dict[str, str] = {}
    column_changes: dict[tuple[str, str], str] = {}
    fk_changes: dict[tuple[str, str], str] = {}
    for change in changes:
        if change.table is None:
            continue
        if change.kind in _TABLE_CHANGES:
            touched[change.table] = _TABLE_CHANGES[change.kind]
            continue
        touched.setdefault(change.table, "changed")
        if change.kind.startswith("column_") and change.name:
            state = {"column_added": "added", "column_dropped": "dropped"}.get(change.kind, "changed")
            column_changes[(change.table, change.name)] = state
        elif change.kind in ("constraint_added", "constraint_dropped") and change.name:
            fk_changes[(change.table, change.name)] = change.kind.removeprefix("constraint_")
    drawn = {
        name: (now.get(name) or then[name])
        for name in touched
        if name in now or (touched[name] == "dropped" and name in then)
    }
    drawn = {name: table for name, table in drawn.items() if table.kind in _DRAWN and not table.partition_of}
    # Who references whom, once per snapshot: a change to thousands of tables stays linear.
    referenced_by_now, referenced_by_then = _referencing(now), _referencing(then)
    neighbours: set[str] = set()
    for name, table in drawn.items():
        referencing = referenced_by_then if touched[name] == "dropped" else referenced_by_now
        neighbours.update(_referenced(table))
        neighbours.update(referencing.get(name, ()))
    neighbours -= set(drawn)

    views = [
        _view(name, touched[name], table, then.get(name), column_changes, fk_changes, full=True)
        for name, table in drawn.items()
    ]
    for name in sorted(neighbours):
        neighbour = now.get(name) or then.get(name)
        if neighbour is not None and neighbour.kind in _DRAWN:
            views.append(_view(name, None, neighbour, None, {}, {}, full=False, linked=set(drawn)))
    shown = {view.name for view in views}
    return tuple(
        TableView(v.name, v.change, v.columns, tuple(r for r in v.references if r.table in shown))
        for v in views
    )


def _by_name(snapshot: SchemaSnapshot | None) -> dict[str, Table]:
    return {} if snapshot is None else {display_name(t.schema, t.name): t for t in snapshot.tables}


def _referencing(tables: dict[str, Table]) -> dict[str, set[str]]:
    """For each table, the tables whose foreign keys point at it."""
    found: dict[str, set[str]] = {}
    for name, table in tables.items():
        for target in _referenced(table):
            found.setdefault(target, set()).add(name)
    return found


def _referenced(table: Table) -> set[str]:
    return {
        str(c.references)
        for c in table.constraints
        if c.kind is ConstraintKind.FOREIGN_KEY and c.references is not None
    }


def _view(
    name: str,
    change: str | None,
    table: Table,
    old: Table | None,
    column_changes: dict[tuple[str, str], str],
    fk_changes: dict[tuple[str, str], str],
    *,
    full: bool,
    linked: Iterable[str] = (),
) -> TableView:
    keys: dict[str, list[str]] = {}
    for constraint in table.constraints:
        label = _KEY_LABELS.get(constraint.kind)
        if label is None:
            continue
        for column in constraint.columns:
            if label not in keys.setdefault(column, []):
                keys[column].append(label)
    columns = list(table.columns)
    if old is not None and change != "dropped":  # dropped columns only exist in the old table
        columns += [c for c in old.columns if column_changes.get((name, c.name)) == "dropped"]
    linked = set(linked)
    linking = {
        column
        for c in table.constraints
        if c.kind is ConstraintKind.FOREIGN_KEY and str(c.references) in linked
        for column in c.columns
    }
    column_views = tuple(
        ColumnView(
            c.name,
            c.type,
            tuple(keys.get(c.name, ())),
            "added" if change == "added" else column_changes.get((name, c.name)),
        )
        for c in columns
        if full or "PK" in keys.get(c.name, ()) or c.name in linking
    )
    references = [
        ReferenceView(
            c.columns,
            str(c.references),
            "added" if change == "added" else fk_changes.get((name, c.name)),
            optional=any(col.nullable for col in table.columns if col.name in c.columns),
        )
        for c in table.constraints
        if c.kind is ConstraintKind.FOREIGN_KEY and c.references is not None
    ]
    if old is not None and change != "dropped":
        references += [
            ReferenceView(c.columns, str(c.references), "dropped")
            for c in old.constraints
            if c.kind is ConstraintKind.FOREIGN_KEY
            and c.references is not None
            and fk_changes.get((name, c.name)) == "dropped"
        ]
    return TableView(name, change, column_views, tuple(references))
