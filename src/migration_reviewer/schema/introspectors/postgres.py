"""Read a PostgreSQL database's schema from the system catalogs.

It runs after every replayed migration set, so it is built for few round trips and little server work:
two batches of queries sent in pipeline mode (the relations and the objects that stand alone, then
what belongs to those relations, found by OID), column numbers turned into names here rather than by
subqueries, and only catalog columns that exist from PostgreSQL 13 to 18, so nothing branches on the
server version. It only reads, but `pg_relation_size` and `pg_get_viewdef` take ACCESS SHARE locks on the
relations they look at: released at once when introspection runs in its own transaction, held until the
caller's commit when it runs inside theirs.

After a change, `introspect_since` reads again only the relations the change can have altered: those whose
own catalog rows it wrote, and those that print the name of something it wrote (a view, a foreign key, a
default, a trigger or a policy that refers to it); the others are taken from the snapshot before. Which rows
were written is told by their xmin, against the position the session's history had before the change.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
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


def _user_schema(nspname: str) -> str:
    return f"{nspname} !~ '^pg_' AND {nspname} <> 'information_schema'"


def _not_extension_member(catalog: str, oid: str) -> str:
    return (
        f"NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = '{catalog}'::regclass"
        f" AND e.objid = {oid} AND e.deptype = 'e')"
    )


def _hash(text: str) -> str:
    """SQL for a hash of `text`. Hashes of stored expression or query trees (pg_node_tree, which refer to
    tables and columns by OID and number) tell an edit from a rename, which only changes printed forms."""
    return f"encode(sha256(textsend({text})), 'hex')"


# Printed names and expressions depend on search_path: fix it so that public objects print bare and the
# others qualified, whatever the migrations set. And the planner joins in the order the queries are
# written (a good one): searching for another cost more than running them (planning the signatures in a
# new session: 17 ms, 5 ms so). No JIT: the catalog queries' estimates pass its threshold on a large
# schema, and compiling them took 0.7 s on PostgreSQL 15 (a server built with LLVM, as the official
# images are) where running them takes 10 ms. Returns the caller's settings, to put back.
_CATALOG_SETTINGS = {
    "search_path": "pg_catalog, public",
    "join_collapse_limit": "1",
    "from_collapse_limit": "1",
    "jit": "off",
}
_SETTINGS = tuple(_CATALOG_SETTINGS)
_SET_SESSION = "SELECT " + ", ".join(
    [f"current_setting('{name}')" for name in _SETTINGS]
    + [f"set_config('{name}', '{value}', true)" for name, value in _CATALOG_SETTINGS.items()]
)
_RESTORE_SESSION = "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in _SETTINGS)

# --- first batch: the relations, and what stands outside them ---------------------------------------------

_SCHEMAS = f"""
SELECT n.nspname FROM pg_namespace n
WHERE {_user_schema("n.nspname")} AND {_not_extension_member("pg_namespace", "n.oid")}
ORDER BY 1
"""

_EXTENSIONS = """
SELECT x.extname, x.extversion, n.nspname
FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
ORDER BY 1
"""

# Sizes count the main fork of the heap and of its TOAST table: the data a rewrite copies.
_TABLES_WHERE = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
       CASE WHEN c.relkind IN ('v', 'm') THEN {_hash("r.ev_action::text")} END,
       pn.nspname, pc.relname, pg_get_expr(c.relpartbound, c.oid),
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       c.reltuples::float8,
       CASE WHEN c.relkind IN ('r', 'm') THEN
           pg_relation_size(c.oid)
           + CASE WHEN c.reltoastrelid <> 0 THEN pg_relation_size(c.reltoastrelid) ELSE 0 END
       END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {_user_schema("n.nspname")} AND {_not_extension_member("pg_class", "c.oid")}
  {{only}}
ORDER BY 2, 3
"""

_TABLES = _TABLES_WHERE.format(only="")
_TABLES_OF = _TABLES_WHERE.format(only="AND c.oid = ANY(%(relations)s::oid[])")

_ENUMS = f"""
SELECT n.nspname, t.typname,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND {_user_schema("n.nspname")} AND {_not_extension_member("pg_type", "t.oid")}
ORDER BY 1, 2
"""

# pg_get_functiondef covers SQL-standard bodies (BEGIN ATOMIC), whose prosrc is empty.
_FUNCTIONS = f"""
SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind,
       CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END,
       l.lanname, p.prosecdef, coalesce(p.proconfig, '{{}}'), p.provolatile,
       {_hash("CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prosrc END")}
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE {_user_schema("n.nspname")} AND {_not_extension_member("pg_proc", "p.oid")}
ORDER BY 1, 2, 3
"""

# An identity column's sequence is internal to it (deptype 'i'): the column says it all.
_SEQUENCES = f"""
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), own.nspname, own.relname, own.attname::text
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT otn.nspname, ot.relname, oa.attname
    FROM pg_depend d
    JOIN pg_class ot ON ot.oid = d.refobjid
    JOIN pg_namespace otn ON otn.oid = ot.relnamespace
    JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
      AND d.deptype = 'a' AND d.refobjsubid > 0
    LIMIT 1
) own ON true
WHERE {_user_schema("n.nspname")} AND {_not_extension_member("pg_class", "c.oid")}
  AND NOT EXISTS (SELECT FROM pg_depend i WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid
                  AND i.deptype = 'i')
ORDER BY 1, 2
"""

# --- after a change: which relations it can have altered ------------------------------------------------

# The position in the server's transaction history: every transaction that starts later has an id at
# least as large, so every catalog row it writes has an xmin at least as large.
POSITION = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296"


def _written(column: str, position: int) -> str:
    # age() counts back from the newest transaction, modulo 2^32 as ids are: no text conversion per row.
    return f"age({column}) <= age('{position}'::xid)"


def _signatures(position: int) -> str:
    """Every relation with what tells whether the change altered it: whether it or something it prints
    was written since `position`, and how many columns, constraints, indexes, triggers and policies it
    has (a dropped index, trigger, policy or foreign key leaves no row behind to show its xmin)."""
    w = functools.partial(_written, position=position)
    return f"""
WITH written AS (
    SELECT 'pg_class'::regclass AS classid, oid AS objid FROM pg_class WHERE {w("xmin")}
    UNION SELECT 'pg_class'::regclass, attrelid FROM pg_attribute WHERE {w("xmin")}
    UNION SELECT 'pg_class'::regclass, adrelid FROM pg_attrdef WHERE {w("xmin")}
    UNION SELECT 'pg_class'::regclass, conrelid FROM pg_constraint WHERE {w("xmin")} AND conrelid <> 0
    UNION SELECT 'pg_class'::regclass, indrelid FROM pg_index WHERE {w("xmin")}
    UNION SELECT 'pg_class'::regclass, x.indrelid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
          WHERE {w("i.xmin")}
    UNION SELECT 'pg_class'::regclass, tgrelid FROM pg_trigger WHERE {w("xmin")}
    UNION SELECT 'pg_class'::regclass, polrelid FROM pg_policy WHERE {w("xmin")}
    UNION SELECT 'pg_class'::regclass, ev_class FROM pg_rewrite WHERE {w("xmin")}
    UNION SELECT 'pg_class'::regclass, inhrelid FROM pg_inherits WHERE {w("xmin")}
    UNION SELECT 'pg_class'::regclass, inhparent FROM pg_inherits WHERE {w("xmin")}
    UNION SELECT 'pg_type'::regclass, oid FROM pg_type WHERE {w("xmin")}
    UNION SELECT 'pg_proc'::regclass, oid FROM pg_proc WHERE {w("xmin")}
    UNION SELECT 'pg_collation'::regclass, oid FROM pg_collation WHERE {w("xmin")}
),
printing AS (
    SELECT CASE d.classid
        WHEN 'pg_class'::regclass THEN coalesce(x.indrelid, d.objid)
        WHEN 'pg_constraint'::regclass THEN con.conrelid
        WHEN 'pg_rewrite'::regclass THEN rw.ev_class
        WHEN 'pg_attrdef'::regclass THEN ad.adrelid
        WHEN 'pg_trigger'::regclass THEN tg.tgrelid
        WHEN 'pg_policy'::regclass THEN po.polrelid
    END AS relid
    FROM pg_depend d
    JOIN written w ON w.classid = d.refclassid AND w.objid = d.refobjid
    LEFT JOIN pg_index x ON d.classid = 'pg_class'::regclass AND x.indexrelid = d.objid
    LEFT JOIN pg_constraint con ON d.classid = 'pg_constraint'::regclass AND con.oid = d.objid
    LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
    LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
    LEFT JOIN pg_trigger tg ON d.classid = 'pg_trigger'::regclass AND tg.oid = d.objid
    LEFT JOIN pg_policy po ON d.classid = 'pg_policy'::regclass AND po.oid = d.objid
),
altered AS (
    SELECT objid AS relid FROM written WHERE classid = 'pg_class'::regclass
    UNION SELECT relid FROM printing
),
columns AS (
    SELECT attrelid AS relid, count(*) AS n FROM pg_attribute WHERE attnum > 0 AND NOT attisdropped
    GROUP BY 1
),
constraints AS (
    SELECT conrelid AS relid, count(*) AS n FROM pg_constraint
    WHERE contype IN ('p', 'u', 'c', 'f', 'x') OR contype = 'n' AND NOT convalidated
    GROUP BY 1
),
indexes AS (SELECT indrelid AS relid, count(*) AS n FROM pg_index GROUP BY 1),
triggers AS (SELECT tgrelid AS relid, count(*) AS n FROM pg_trigger WHERE NOT tgisinternal GROUP BY 1),
policies AS (SELECT polrelid AS relid, count(*) AS n FROM pg_policy GROUP BY 1)
SELECT c.oid, n.nspname, c.relname, c.relkind, EXISTS (SELECT FROM altered a WHERE a.relid = c.oid),
       coalesce(co.n, 0), coalesce(cn.n, 0), coalesce(ix.n, 0), coalesce(tg.n, 0), coalesce(po.n, 0),
       c.reltuples::float8
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN columns co ON co.relid = c.oid
LEFT JOIN constraints cn ON cn.relid = c.oid
LEFT JOIN indexes ix ON ix.relid = c.oid
LEFT JOIN triggers tg ON tg.relid = c.oid
LEFT JOIN policies po ON po.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {_user_schema("n.nspname")} AND {_not_extension_member("pg_class", "c.oid")}
ORDER BY 2, 3
"""


def _written_schemas(position: int) -> str:
    return f"SELECT nspname FROM pg_namespace WHERE {_written('xmin', position)}"


# --- second batch: what belongs to those relations, by their OIDs ------------------------------------------

_COLUMNS = f"""
SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), CASE WHEN a.attgenerated <> '' THEN {_hash("d.adbin::text")} END,
       a.attidentity, a.attgenerated, CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
       NOT a.attislocal
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE a.attrelid = ANY(%(relations)s::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

# The referenced table of a foreign key may lie outside the snapshot (an extension's): name its columns
# here. PostgreSQL 18 records each NOT NULL as a constraint too: only one NOT VALID says more than the
# column's nullability, and leaving the others out keeps snapshots alike across versions.
_CONSTRAINTS = """
SELECT con.conrelid, con.oid, con.conname, con.contype, pg_get_constraintdef(con.oid), con.convalidated,
       con.conkey, fn.nspname, fc.relname,
       CASE WHEN con.contype = 'f' THEN
           ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, pos)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.pos)
       END,
       con.confdeltype, con.confupdtype, con.condeferrable, con.condeferred,
       CASE WHEN con.contype IN ('p', 'u', 'x') THEN ic.relname END,
       NOT con.conislocal
FROM pg_constraint con
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_class ic ON ic.oid = con.conindid
WHERE con.conrelid = ANY(%(relations)s::oid[])
  AND (con.contype IN ('p', 'u', 'c', 'f', 'x') OR con.contype = 'n' AND NOT con.convalidated)
ORDER BY con.conrelid, con.conname
"""

# Key and INCLUDE columns come as numbers (0 for an expression); only expressions need printing.
_INDEXES = """
SELECT x.indrelid, x.indexrelid, ic.relname, pg_get_indexdef(x.indexrelid), am.amname,
       x.indnkeyatts, x.indkey::int2[],
       CASE WHEN x.indexprs IS NOT NULL THEN
           ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, false)
                 FROM generate_series(1, x.indnatts) k WHERE x.indkey[k - 1] = 0 ORDER BY k)
       END,
       pg_get_expr(x.indpred, x.indrelid), x.indisunique, x.indisprimary, x.indisvalid,
       EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = x.indexrelid)
FROM pg_index x
JOIN pg_class ic ON ic.oid = x.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE x.indrelid = ANY(%(relations)s::oid[])
ORDER BY x.indrelid, ic.relname
"""

_TRIGGERS = """
SELECT t.tgrelid, t.tgname, t.tgfoid::regproc::text, t.tgtype, t.tgattr::int2[], t.tgenabled,
       pg_get_triggerdef(t.oid, true), t.tgparentid <> 0
FROM pg_trigger t
WHERE t.tgrelid = ANY(%(relations)s::oid[]) AND NOT t.tgisinternal
ORDER BY t.tgrelid, t.tgname
"""

_POLICIES = f"""
SELECT p.polrelid, p.polname, p.polcmd, p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END
             FROM unnest(p.polroles) r ORDER BY 1),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
       {_hash("coalesce(p.polqual::text, '') || ' ' || coalesce(p.polwithcheck::text, '')")}
FROM pg_policy p
WHERE p.polrelid = ANY(%(relations)s::oid[])
ORDER BY p.polrelid, p.polname
"""

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
_FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
_VOLATILITIES = {"i": "immutable", "s": "stable", "v": "volatile"}

_SYSTEM_COLUMNS = {-1: "ctid", -2: "xmin", -3: "cmin", -4: "xmax", -5: "cmax", -6: "tableoid"}

# pg_trigger.tgtype bits (catalog/pg_trigger.h)
_TRIGGER_ROW = 1 << 0
_TRIGGER_BEFORE = 1 << 1
_TRIGGER_INSTEAD = 1 << 6
_TRIGGER_EVENTS = ((1 << 2, "INSERT"), (1 << 4, "UPDATE"), (1 << 3, "DELETE"), (1 << 5, "TRUNCATE"))

_Row = tuple[Any, ...]
_T = TypeVar("_T")


def introspect(conn: psycopg.Connection[Any]) -> SchemaSnapshot:
    """The schema of the database `conn` is connected to.

    Runs in its own transaction, or in a savepoint when the connection is already inside one, and leaves
    the session as it found it (search_path included).
    """
    return _read(conn, None)


def introspect_since(conn: psycopg.Connection[Any], before: SchemaSnapshot, position: int) -> SchemaSnapshot:
    """The schema now, after a change made since `position` (what POSITION said before it) to the database
    `before` describes. What the change cannot have altered is taken from `before` as it is, sizes
    included: rows written into a table alter nothing of its definition."""
    return _read(conn, (before, position))


def _read(conn: psycopg.Connection[Any], since: tuple[SchemaSnapshot, int] | None) -> SchemaSnapshot:
    in_callers_transaction = conn.info.transaction_status is not TransactionStatus.IDLE
    # One pipeline for everything: BEGIN and the first batch go together, then the second batch, then the
    # COMMIT; three round trips in all.
    with _pipeline(conn), conn.transaction():
        first = (_SET_SESSION, _SCHEMAS, _EXTENSIONS, _ENUMS, _FUNCTIONS, _SEQUENCES)
        if since is None:
            caller, schemas, extensions, enums, functions, sequences, relations = _run(
                conn, (*first, _TABLES)
            )
            unaltered: dict[int, Table] = {}
        else:
            before, position = since
            caller, schemas, extensions, enums, functions, sequences, relations, written = _run(
                conn, (*first, _signatures(position), _written_schemas(position))
            )
            unaltered = _unaltered(before, relations, [name for (name,) in schemas], written)
        # An array literal: psycopg would inspect each item of a list, for every query.
        wanted = [row[0] for row in relations if row[0] not in unaltered]
        params = {"relations": "{" + ",".join(map(str, wanted)) + "}"}
        second = (_COLUMNS, _CONSTRAINTS, _INDEXES, _TRIGGERS, _POLICIES)
        if since is None:
            columns, constraints, indexes, triggers, policies = _run(conn, second, params)
            tables = relations
        else:
            tables, columns, constraints, indexes, triggers, policies = _run(
                conn, (_TABLES_OF, *second), params
            )
        if in_callers_transaction:
            # Our SET LOCAL would outlive the savepoint and last until the caller's commit.
            conn.execute(_RESTORE_SESSION, caller[0][: len(_SETTINGS)])

    attnames: defaultdict[int, dict[int, str]] = defaultdict(dict)
    for row in columns:
        attnames[row[0]][row[1]] = row[2]
    columns_of = _group(columns, _column)
    constraints_of = _group(constraints, lambda row: _constraint(row, attnames[row[0]]))
    indexes_of = _group(indexes, lambda row: _index(row, attnames[row[0]], constraints_of.get(row[0], ())))
    triggers_of = _group(triggers, lambda row: _trigger(row, attnames[row[0]]))
    policies_of = _group(policies, _policy)
    read = {
        row[0]: _table(
            row,
            columns=columns_of.get(row[0], ()),
            constraints=constraints_of.get(row[0], ()),
            indexes=indexes_of.get(row[0], ()),
            triggers=triggers_of.get(row[0], ()),
            policies=policies_of.get(row[0], ()),
        )
        for row in tables
    }
    return SchemaSnapshot(
        schemas=tuple(name for (name,) in schemas),
        tables=tuple(unaltered.get(row[0]) or read[row[0]] for row in relations),
        enums=tuple(EnumType(schema, name, tuple(values)) for schema, name, values in enums),
        functions=tuple(_function(row) for row in functions),
        sequences=tuple(_sequence(row) for row in sequences),
        extensions=tuple(Extension(name, version, schema) for name, version, schema in extensions),
    )


def _unaltered(
    before: SchemaSnapshot, signatures: list[_Row], schemas: list[str], written_schemas: list[_Row]
) -> dict[int, Table]:
    """The relations (by OID) that are as `before` describes them, going by their signatures."""
    if set(before.schemas) - set(schemas) or any(name in before.schemas for (name,) in written_schemas):
        return {}  # a schema renamed, dropped or made anew: everything in it prints another way
    unaltered = {}
    for oid, schema, name, relkind, altered, *counts, policies, reltuples in signatures:
        old = before.table(schema, name)
        if (
            old is None
            or altered
            or old.kind is not _RELATION_KINDS[relkind]
            or counts != [len(part) for part in (old.columns, old.constraints, old.indexes, old.triggers)]
            or old.row_estimate != _row_estimate(reltuples, relkind)
            # A policy names roles, which the change may have renamed: no catalog of this database says so.
            or policies
            or old.policies
        ):
            continue
        unaltered[oid] = old
    return unaltered


def _run(
    conn: psycopg.Connection[Any], queries: tuple[str, ...], params: Mapping[str, Any] | None = None
) -> list[list[_Row]]:
    """Send all `queries` before reading any result (in pipeline mode that is one round trip)."""
    cursors = [conn.cursor(row_factory=tuple_row) for _ in queries]
    for cursor, query in zip(cursors, queries, strict=True):
        cursor.execute(query, params)
    results = [cursor.fetchall() for cursor in cursors]
    for cursor in cursors:
        cursor.close()
    return results


@contextmanager
def _pipeline(conn: psycopg.Connection[Any]) -> Iterator[None]:
    # libpq before 14 has no pipeline mode: the same queries then go one by one.
    if psycopg.Pipeline.is_supported():
        with conn.pipeline():
            yield
    else:
        yield


def _group(rows: list[_Row], make: Callable[[_Row], _T]) -> dict[int, tuple[_T, ...]]:
    """Rows whose first value is a relation's OID, made into objects and grouped by that OID."""
    grouped: defaultdict[int, list[_T]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(make(row))
    return {relid: tuple(items) for relid, items in grouped.items()}


def _column_name(attnames: Mapping[int, str], attnum: int) -> str:
    # A CHECK constraint may name tableoid, a system column: those have negative numbers.
    return attnames.get(attnum) or _SYSTEM_COLUMNS[attnum]


def _table(
    row: _Row,
    *,
    columns: tuple[Column, ...],
    constraints: tuple[Constraint, ...],
    indexes: tuple[Index, ...],
    triggers: tuple[Trigger, ...],
    policies: tuple[Policy, ...],
) -> Table:
    (
        _,
        schema,
        name,
        relkind,
        rls,
        rls_forced,
        definition,
        fingerprint,
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
        fingerprint=fingerprint,
        partition_of=ObjectName(parent_schema, parent) if parent is not None else None,
        partition_bound=bound,
        partition_key=key,
        row_estimate=_row_estimate(reltuples, relkind),
        size_bytes=size,
    )


def _row_estimate(reltuples: float, relkind: str) -> int | None:
    # -1 since PostgreSQL 14 (0 before) means "never analysed"; relations without storage have no rows
    return round(reltuples) if reltuples >= 0 and relkind in ("r", "m") else None


def _column(row: _Row) -> Column:
    _, ordinal, name, type_, notnull, expression, fingerprint, identity, generated, collation, inherited = row
    return Column(
        name=name,
        type=type_,
        ordinal=ordinal,
        nullable=not notnull,
        # pg_attrdef holds a generated column's expression, not a default
        default=expression if not generated else None,
        identity=_IDENTITIES.get(identity),
        generated=expression if generated else None,
        virtual=generated == "v",
        collation=collation,
        fingerprint=fingerprint,
        inherited=inherited,
    )


def _constraint(row: _Row, attnames: Mapping[int, str]) -> Constraint:
    (
        _,
        oid,
        name,
        contype,
        definition,
        validated,
        attnums,
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
        columns=tuple(_column_name(attnames, n) for n in attnums or ()),
        validated=validated,
        references=ObjectName(ref_schema, ref_table) if ref_table is not None else None,
        referenced_columns=tuple(ref_columns or ()),
        on_delete=_FK_ACTIONS.get(on_delete),
        on_update=_FK_ACTIONS.get(on_update),
        deferrable=deferrable,
        deferred=deferred,
        index=index,
        inherited=inherited,
        oid=oid,
    )


def _index(row: _Row, attnames: Mapping[int, str], constraints: tuple[Constraint, ...]) -> Index:
    (
        _,
        oid,
        name,
        definition,
        method,
        key_count,
        attnums,
        expressions,
        predicate,
        unique,
        primary,
        valid,
        inherited,
    ) = row
    printed = iter(expressions or ())
    columns = tuple(_column_name(attnames, n) if n else next(printed) for n in attnums)
    return Index(
        name=name,
        definition=definition,
        method=method,
        columns=columns[:key_count],
        include=columns[key_count:],
        predicate=predicate,
        unique=unique,
        primary=primary,
        valid=valid,
        constraint=next((c.name for c in constraints if c.index == name), None),
        inherited=inherited,
        oid=oid,
    )


def _trigger(row: _Row, attnames: Mapping[int, str]) -> Trigger:
    _, name, function, tgtype, attnums, enabled, definition, inherited = row
    timing = "INSTEAD OF" if tgtype & _TRIGGER_INSTEAD else "BEFORE" if tgtype & _TRIGGER_BEFORE else "AFTER"
    return Trigger(
        name=name,
        function=function,
        timing=timing,
        events=tuple(event for bit, event in _TRIGGER_EVENTS if tgtype & bit),
        level="ROW" if tgtype & _TRIGGER_ROW else "STATEMENT",
        columns=tuple(_column_name(attnames, n) for n in attnums),
        enabled=_TRIGGER_ENABLED[enabled],
        definition=definition,
        inherited=inherited,
    )


def _policy(row: _Row) -> Policy:
    _, name, command, permissive, roles, using, with_check, fingerprint = row
    return Policy(
        name=name,
        command=_POLICY_COMMANDS[command],
        permissive=permissive,
        roles=tuple(roles),
        using=using,
        with_check=with_check,
        fingerprint=fingerprint,
    )


def _function(row: _Row) -> Function:
    schema, name, arguments, prokind, result, language, secdef, config, volatility, definition_hash = row
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
        definition_hash=definition_hash,
    )


def _sequence(row: _Row) -> Sequence:
    schema, name, type_, owner_schema, owner_table, owner_column = row
    return Sequence(
        schema=schema,
        name=name,
        type=type_,
        owned_by=ObjectName(owner_schema, owner_table) if owner_table is not None else None,
        owned_by_column=owner_column,
    )
