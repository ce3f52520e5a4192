"""Per-statement facts read from PostgreSQL's catalogs by the session that ran the statement.

Locks come from `pg_locks` for our own backend: read inside the statement's transaction, they are exactly
the locks the migration holds at that moment. Rewrites come from `pg_class.relfilenode`: a table or index
whose storage file changed was rewritten in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from migration_reviewer.replay.result import LockTaken

_RELKINDS = {
    "r": "table",
    "p": "partitioned table",
    "i": "index",
    "I": "partitioned index",
    "S": "sequence",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
    "t": "toast table",
    "c": "type",
}

_USER_RELATIONS = """
SELECT c.oid::bigint, n.nspname, c.relname, c.relkind::text, c.relfilenode::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp%'
"""

_OWN_LOCKS = """
SELECT l.relation::bigint, l.mode FROM pg_locks l
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.relation IS NOT NULL
"""


@dataclass(frozen=True)
class Relation:
    name: str
    relkind: str
    relfilenode: int


RelationMap = dict[int, Relation]


def qualified(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def relations(conn: psycopg.Connection[Any]) -> RelationMap:
    rows = conn.execute(_USER_RELATIONS).fetchall()
    return {
        oid: Relation(qualified(nsp, rel), _RELKINDS.get(kind, kind), node)
        for oid, nsp, rel, kind, node in rows
    }


def own_locks(conn: psycopg.Connection[Any], known: RelationMap) -> set[LockTaken]:
    """The relation locks our session holds on user relations. A relation the transaction dropped is
    gone from pg_class, so its name comes from `known`, read before the statement ran."""
    taken = set()
    for oid, mode in conn.execute(_OWN_LOCKS).fetchall():
        relation = known.get(oid)
        if relation is not None:
            taken.add(LockTaken(relation.name, mode, relation.relkind))
    return taken


def rewritten(before: RelationMap, after: RelationMap) -> tuple[str, ...]:
    """Relations that existed before and after with a different storage file: rewritten in full."""
    return tuple(
        sorted(
            after[oid].name
            for oid, rel in before.items()
            if oid in after
            and after[oid].relfilenode != rel.relfilenode
            and rel.relfilenode != 0
            and rel.relkind != "toast table"
        )
    )
