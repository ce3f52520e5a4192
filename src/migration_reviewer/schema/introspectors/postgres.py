"""Read a PostgreSQL database's schema from the system catalogs.

It runs after every replayed migration set, so it is built for few round trips: one query per kind of
object, all sent at once in pipeline mode, and only columns that exist from PostgreSQL 13 to 18 (no
branching on the server version). It only reads; note that `pg_table_size` and `pg_get_viewdef` take
ACCESS SHARE locks on the relations they look at, until the end of the transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Sequence as Seq
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

import psycopg
from psycopg.rows import tuple_row

from migration_reviewer.schema.model import (
    Column,
    Constraint,
    ConstraintKind,
    EnumType,
    Extension,
    Function,
    Identity,
    Index,
    ObjectName,
    Policy,
    RelationKind,
    SchemaSnapshot,
    Sequence,
    Table,
    Trigger,
)

# Printed names and expressions depend on search_path: fix it so that public objects print bare and the
# others qualified, whatever the migrations set.
_SEARCH_PATH = "pg_catalog, public"

_USER_SCHEMA = "{n}.nspname !~ '^pg_' AND {n}.nspname <> 'information_schema'"


def _not_extension_member(catalog: str, oid: str) -> str:
    return (
        f"NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = '{catalog}'::regclass"
        f" AND e.objid = {oid} AND e.deptype = 'e')"
    )


# The relations the snapshot covers; every per-relation query joins it.
_RELATIONS_CTE = f"""
WITH rel AS (
    SELECT c.oid, n.nspname, c.relname, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND {_USER_SCHEMA.format(n="n")}
      AND {_not_extension_member("pg_class", "c.oid")}
)
"""

_SCHEMAS = f"""
SELECT n.nspname FROM pg_namespace n
WHERE {_USER_SCHEMA.format(n="n")} AND {_not_extension_member("pg_namespace", "n.oid")}
ORDER BY 1
"""

_EXTENSIONS = """
SELECT x.extname, x.extversion, n.nspname
FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
ORDER BY 1
"""

_TABLES = (
    _RELATIONS_CTE
    + """
SELECT rel.oid, rel.nspname, rel.relname, rel.relkind, c.relrowsecurity, c.relforcerowsecurity,
       CASE WHEN rel.relkind IN ('v', 'm') THEN pg_get_viewdef(rel.oid) END,
       (SELECT r.ev_action::text FROM pg_rewrite r WHERE r.ev_class = rel.oid AND r.rulename = '_RETURN'),
       pn.nspname, pc.relname, pg_get_expr(c.relpartbound, c.oid),
       CASE WHEN rel.relkind = 'p' THEN pg_get_partkeydef(rel.oid) END,
       c.reltuples::float8,
       CASE WHEN rel.relkind IN ('r', 'm') THEN pg_table_size(rel.oid) END
FROM rel
JOIN pg_class c ON c.oid = rel.oid
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
ORDER BY rel.nspname, rel.relname
"""
)

_COLUMNS = (
    _RELATIONS_CTE
    + """
SELECT a.attrelid, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), d.adbin::text, a.attidentity, a.attgenerated,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
       NOT a.attislocal
FROM rel
JOIN pg_attribute a ON a.attrelid = rel.oid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""
)


def _attnames(relid: str, attnums: str) -> str:
    """SQL for the names of the columns numbered `attnums` (an array) of `relid`, in array order."""
    return (
        f"ARRAY(SELECT a.attname::text FROM unnest({attnums}) WITH ORDINALITY k(num, pos)"
        f" JOIN pg_attribute a ON a.attrelid = {relid} AND a.attnum = k.num ORDER BY k.pos)"
    )


_CONSTRAINTS = (
    _RELATIONS_CTE
    + f"""
SELECT con.conrelid, con.oid, con.conname, con.contype, pg_get_constraintdef(con.oid), con.convalidated,
       {_attnames("con.conrelid", "con.conkey")},
       fn.nspname, fc.relname, {_attnames("con.confrelid", "con.confkey")},
       con.confdeltype, con.confupdtype, con.condeferrable, con.condeferred,
       CASE WHEN con.contype IN ('p', 'u', 'x') THEN ic.relname END,
       NOT con.conislocal
FROM rel
JOIN pg_constraint con ON con.conrelid = rel.oid
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_class ic ON ic.oid = con.conindid
WHERE con.contype IN ('p', 'u', 'c', 'f', 'x', 'n')
ORDER BY con.conrelid, con.conname
"""
)

_INDEXES = (
    _RELATIONS_CTE
    + """
SELECT x.indrelid, x.indexrelid, ic.relname, pg_get_indexdef(x.indexrelid), am.amname,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
             FROM generate_series(1, x.indnkeyatts) k ORDER BY k),
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
             FROM generate_series(x.indnkeyatts + 1, x.indnatts) k ORDER BY k),
       pg_get_expr(x.indpred, x.indrelid), x.indisunique, x.indisprimary, x.indisvalid,
       (SELECT con.conname FROM pg_constraint con
        WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x')),
       EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = x.indexrelid),
       pg_relation_size(x.indexrelid)
FROM rel
JOIN pg_index x ON x.indrelid = rel.oid
JOIN pg_class ic ON ic.oid = x.indexrelid
JOIN pg_am am ON am.oid = ic.relam
ORDER BY x.indrelid, ic.relname
"""
)

_TRIGGERS = (
    _RELATIONS_CTE
    + f"""
SELECT t.tgrelid, t.tgname, t.tgfoid::regproc::text, t.tgtype, {_attnames("t.tgrelid", "t.tgattr::int2[]")},
       t.tgenabled, pg_get_triggerdef(t.oid, true), t.tgparentid <> 0
FROM rel
JOIN pg_trigger t ON t.tgrelid = rel.oid
WHERE NOT t.tgisinternal
ORDER BY t.tgrelid, t.tgname
"""
)

_POLICIES = (
    _RELATIONS_CTE
    + """
SELECT p.polrelid, p.polname, p.polcmd, p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END
             FROM unnest(p.polroles) r ORDER BY 1),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
       p.polqual::text, p.polwithcheck::text
FROM rel
JOIN pg_policy p ON p.polrelid = rel.oid
ORDER BY p.polrelid, p.polname
"""
)

_ENUMS = f"""
SELECT n.nspname, t.typname,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND {_USER_SCHEMA.format(n="n")} AND {_not_extension_member("pg_type", "t.oid")}
ORDER BY 1, 2
"""

_FUNCTIONS = f"""
SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind,
       CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END,
       l.lanname, p.prosecdef, coalesce(p.proconfig, '{{}}'), p.provolatile,
       CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prosrc END
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE {_USER_SCHEMA.format(n="n")} AND {_not_extension_member("pg_proc", "p.oid")}
ORDER BY 1, 2, 3
"""

# Identity columns' sequences are internal to their column (deptype 'i'): the column says it all.
_SEQUENCES = f"""
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), own.nspname, own.relname, own.attname::text
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT on_.nspname, oc.relname, oa.attname
    FROM pg_depend d
    JOIN pg_class oc ON oc.oid = d.refobjid
    JOIN pg_namespace on_ ON on_.oid = oc.relnamespace
    JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
      AND d.deptype = 'a' AND d.refobjsubid > 0
    LIMIT 1
) own ON true
WHERE {_USER_SCHEMA.format(n="n")} AND {_not_extension_member("pg_class", "c.oid")}
  AND NOT EXISTS (SELECT FROM pg_depend i WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid
                  AND i.deptype = 'i')
ORDER BY 1, 2
"""

_QUERIES = (
    _SCHEMAS,
    _EXTENSIONS,
    _TABLES,
    _COLUMNS,
    _CONSTRAINTS,
    _INDEXES,
    _TRIGGERS,
    _POLICIES,
    _ENUMS,
    _FUNCTIONS,
    _SEQUENCES,
)

_RELATION_KINDS = {
    "r": RelationKind.TABLE,
    "p": RelationKind.PARTITIONED_TABLE,
    "v": RelationKind.VIEW,
    "m": RelationKind.MATERIALIZED_VIEW,
    "f": RelationKind.FOREIGN_TABLE,
}
_CONSTRAINT_KINDS = {
    "p": ConstraintKind.PRIMARY_KEY,
    "u": ConstraintKind.UNIQUE,
    "c": ConstraintKind.CHECK,
    "f": ConstraintKind.FOREIGN_KEY,
    "x": ConstraintKind.EXCLUSION,
    "n": ConstraintKind.NOT_NULL,
}
_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_IDENTITIES = {"a": Identity.ALWAYS, "d": Identity.BY_DEFAULT}
_TRIGGER_ENABLED = {"O": "enabled", "D": "disabled", "R": "replica", "A": "always"}
_POLICY_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}
_NODE_LOCATION = re.compile(r":(?:stmt_)?(?:location|len) -?\d+")
_FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
_VOLATILITIES = {"i": "immutable", "s": "stable", "v": "volatile"}

# pg_trigger.tgtype bits (catalog/pg_trigger.h)
_TRIGGER_ROW = 1 << 0
_TRIGGER_BEFORE = 1 << 1
_TRIGGER_INSTEAD = 1 << 6
_TRIGGER_EVENTS = ((1 << 2, "INSERT"), (1 << 4, "UPDATE"), (1 << 3, "DELETE"), (1 << 5, "TRUNCATE"))

Rows = list[tuple[Any, ...]]
_T = TypeVar("_T")


def introspect(conn: psycopg.Connection[Any]) -> SchemaSnapshot:
    """The schema of the database `conn` is connected to.

    Runs in its own transaction, or in a savepoint when the connection is already inside one, and leaves
    the session as it found it (search_path included).
    """
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT current_setting('search_path'), set_config('search_path', %s, true)", (_SEARCH_PATH,)
        )
        saved = cur.fetchone()
        assert saved is not None
        results = _run_all(conn, _QUERIES)
        # Inside a caller's transaction our SET LOCAL would outlive the savepoint: put theirs back.
        cur.execute("SELECT set_config('search_path', %s, true)", (saved[0],))
    return _build(*results)


def _run_all(conn: psycopg.Connection[Any], queries: Seq[str]) -> list[Rows]:
    pipeline: AbstractContextManager[object] = (
        conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext()
    )
    with pipeline:
        cursors = [conn.cursor(row_factory=tuple_row) for _ in queries]
        for cursor, query in zip(cursors, queries, strict=True):
            cursor.execute(query)
        results = [cursor.fetchall() for cursor in cursors]
    for cursor in cursors:
        cursor.close()
    return results


def _build(
    schemas: Rows,
    extensions: Rows,
    tables: Rows,
    columns: Rows,
    constraints: Rows,
    indexes: Rows,
    triggers: Rows,
    policies: Rows,
    enums: Rows,
    functions: Rows,
    sequences: Rows,
) -> SchemaSnapshot:
    columns_of = _group(columns, _column)
    constraints_of = _group(constraints, _constraint)
    indexes_of = _group(indexes, _index)
    triggers_of = _group(triggers, _trigger)
    policies_of = _group(policies, _policy)
    return SchemaSnapshot(
        schemas=tuple(name for (name,) in schemas),
        tables=tuple(
            _table(
                row[1:],
                columns=columns_of.get(row[0], ()),
                constraints=constraints_of.get(row[0], ()),
                indexes=indexes_of.get(row[0], ()),
                triggers=triggers_of.get(row[0], ()),
                policies=policies_of.get(row[0], ()),
            )
            for row in tables
        ),
        enums=tuple(EnumType(schema, name, tuple(values)) for schema, name, values in enums),
        functions=tuple(_function(row) for row in functions),
        sequences=tuple(_sequence(row) for row in sequences),
        extensions=tuple(Extension(name, version, schema) for name, version, schema in extensions),
    )


def _group(rows: Rows, make: Callable[[tuple[Any, ...]], _T]) -> dict[int, tuple[_T, ...]]:
    """Rows whose first value is a relation's OID, made into objects and grouped by that OID."""
    grouped: defaultdict[int, list[_T]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(make(row[1:]))
    return {relid: tuple(items) for relid, items in grouped.items()}


def _table(
    row: tuple[Any, ...],
    *,
    columns: tuple[Column, ...],
    constraints: tuple[Constraint, ...],
    indexes: tuple[Index, ...],
    triggers: tuple[Trigger, ...],
    policies: tuple[Policy, ...],
) -> Table:
    (
        schema,
        name,
        relkind,
        rls,
        rls_forced,
        definition,
        query,
        parent_schema,
        parent,
        bound,
        key,
        reltuples,
        size,
    ) = row
    return Table(
        schema=schema,
        name=name,
        kind=_RELATION_KINDS[relkind],
        columns=columns,
        constraints=constraints,
        indexes=indexes,
        triggers=triggers,
        policies=policies,
        rls_enabled=rls,
        rls_forced=rls_forced,
        definition=definition,
        fingerprint=_fingerprint(query) if query is not None else None,
        partition_of=ObjectName(parent_schema, parent) if parent is not None else None,
        partition_bound=bound,
        partition_key=key,
        # -1 since PostgreSQL 14 (0 before) means "never analysed"; relations without storage have no rows
        row_estimate=round(reltuples) if reltuples >= 0 and relkind in ("r", "m") else None,
        size_bytes=size,
    )


def _column(row: tuple[Any, ...]) -> Column:
    name, ordinal, type_, notnull, default, tree, identity, generated, collation, inherited = row
    return Column(
        name=name,
        type=type_,
        ordinal=ordinal,
        nullable=not notnull,
        # pg_attrdef holds a generated column's expression, not a default
        default=default if not generated else None,
        identity=_IDENTITIES.get(identity),
        generated=default if generated else None,
        virtual=generated == "v",
        collation=collation,
        fingerprint=_fingerprint(tree) if tree is not None else None,
        inherited=inherited,
    )


def _constraint(row: tuple[Any, ...]) -> Constraint:
    (
        oid,
        name,
        contype,
        definition,
        validated,
        columns,
        ref_schema,
        ref_table,
        ref_columns,
        on_delete,
        on_update,
        deferrable,
        deferred,
        index,
        inherited,
    ) = row
    return Constraint(
        name=name,
        kind=_CONSTRAINT_KINDS[contype],
        definition=definition,
        columns=tuple(columns),
        validated=validated,
        references=ObjectName(ref_schema, ref_table) if ref_table is not None else None,
        referenced_columns=tuple(ref_columns),
        on_delete=_FK_ACTIONS.get(on_delete),
        on_update=_FK_ACTIONS.get(on_update),
        deferrable=deferrable,
        deferred=deferred,
        index=index,
        inherited=inherited,
        oid=oid,
    )


def _index(row: tuple[Any, ...]) -> Index:
    (
        oid,
        name,
        definition,
        method,
        columns,
        include,
        predicate,
        unique,
        primary,
        valid,
        constraint,
        inherited,
        size,
    ) = row
    return Index(
        name=name,
        definition=definition,
        method=method,
        columns=tuple(columns),
        include=tuple(include),
        predicate=predicate,
        unique=unique,
        primary=primary,
        valid=valid,
        constraint=constraint,
        inherited=inherited,
        size_bytes=size,
        oid=oid,
    )


def _trigger(row: tuple[Any, ...]) -> Trigger:
    name, function, tgtype, columns, enabled, definition, inherited = row
    timing = "INSTEAD OF" if tgtype & _TRIGGER_INSTEAD else "BEFORE" if tgtype & _TRIGGER_BEFORE else "AFTER"
    return Trigger(
        name=name,
        function=function,
        timing=timing,
        events=tuple(event for bit, event in _TRIGGER_EVENTS if tgtype & bit),
        level="ROW" if tgtype & _TRIGGER_ROW else "STATEMENT",
        columns=tuple(columns),
        enabled=_TRIGGER_ENABLED[enabled],
        definition=definition,
        inherited=inherited,
    )


def _policy(row: tuple[Any, ...]) -> Policy:
    name, command, permissive, roles, using, with_check, using_tree, with_check_tree = row
    return Policy(
        name=name,
        command=_POLICY_COMMANDS[command],
        permissive=permissive,
        roles=tuple(roles),
        using=using,
        with_check=with_check,
        fingerprint=_fingerprint(using_tree, with_check_tree),
    )


def _fingerprint(*node_trees: str | None) -> str:
    """A hash of stored expression or query trees (pg_node_tree), without the positions in the SQL text
    they came from: reformatting the same statement keeps it."""
    text = "\0".join(_NODE_LOCATION.sub("", tree or "") for tree in node_trees)
    return hashlib.sha256(text.encode()).hexdigest()


def _function(row: tuple[Any, ...]) -> Function:
    schema, name, arguments, prokind, result, language, secdef, config, volatility, definition = row
    return Function(
        schema=schema,
        name=name,
        arguments=arguments,
        kind=_FUNCTION_KINDS[prokind],
        result=result,
        language=language,
        security_definer=secdef,
        config=tuple(config),
        volatility=_VOLATILITIES[volatility],
        definition_hash=hashlib.sha256(definition.encode()).hexdigest(),
    )


def _sequence(row: tuple[Any, ...]) -> Sequence:
    schema, name, type_, owner_schema, owner_table, owner_column = row
    return Sequence(
        schema=schema,
        name=name,
        type=type_,
        owned_by=ObjectName(owner_schema, owner_table) if owner_table is not None else None,
        owned_by_column=owner_column,
    )
