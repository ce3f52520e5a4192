"""The PostgreSQL session: psycopg in autocommit mode, so that BEGIN and COMMIT are ours (or the
migration author's) to send, and libpq's transaction status tells the truth after every statement.

Locks come from `pg_locks` for our own backend: read inside the statement's transaction, they are exactly
the locks the migration holds at that moment. Rewrites come from `pg_class.relfilenode`: a table or index
whose storage file changed was rewritten in full.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from migration_reviewer.errors import DatabaseUnavailable, first_line
from migration_reviewer.replay.extensions import RIGHTS_SCHEMA, STAND_INS, OnBehalf, on_behalf
from migration_reviewer.replay.providers.base import Database
from migration_reviewer.replay.result import LockTaken, RowEvidence, SeedResult
from migration_reviewer.replay.seed import row_evidence, seed
from migration_reviewer.replay.sessions.base import Baseline, Relation, RelationMap, StatementError, TxState
from migration_reviewer.schema.introspectors.postgres import POSITION, introspect, introspect_since
from migration_reviewer.schema.model import ObjectName, SchemaSnapshot

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

# The same, for the catalog rows the open transaction itself wrote: what its statements created, altered or
# rewrote so far.
_CHANGED_HERE = _USER_RELATIONS + "  AND c.xmin::text::bigint = ({current}) % 4294967296\n"

_OWN_LOCKS = """
SELECT l.relation::bigint, l.mode FROM pg_locks l
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.relation IS NOT NULL
"""

_STATES = {
    TransactionStatus.IDLE: TxState.IDLE,
    TransactionStatus.INTRANS: TxState.OPEN,
    TransactionStatus.ACTIVE: TxState.OPEN,
    TransactionStatus.INERROR: TxState.FAILED,
}

# Status tags of the commands whose row count means something.
_COUNTED = {"INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "SELECT"}


def qualified(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


class PostgresSession:
    scripts_are_atomic = True
    sees_locks = True

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self._relations: RelationMap | None = None  # the catalog as last read, kept between statements
        current = (
            "pg_current_xact_id()::text::bigint" if conn.info.server_version >= 130000 else "txid_current()"
        )
        self._changed_here = _CHANGED_HERE.format(current=current)
        self._may_act: bool | None = None  # whether this database has the functions of rights.sql for us

    def execute(self, sql: str) -> int | None:
        try:
            call = self.instead_of(sql)
            if call is not None:
                self.conn.execute(call.query, call.params or None, prepare=False)
        except psycopg.Error as exc:  # a transaction the migration left failed, say
            raise self._statement_error(exc, positioned=False) from None
        if call is not None:
            return None
        try:
            cursor = self.conn.execute(sql, prepare=False)
        except psycopg.Error as exc:
            raise self._statement_error(exc) from None
        status = cursor.statusmessage
        if cursor.rowcount >= 0 and status and status.split(None, 1)[0] in _COUNTED:
            return cursor.rowcount
        return None

    def instead_of(self, sql: str) -> OnBehalf | None:
        """The call that runs on the migration's behalf instead of `sql` (one statement) here, or None: it
        runs as written. A stand-in where the server lacks the real extension, else the extension itself."""
        call = on_behalf(sql)
        if call is None:
            return None
        if call.kind == "stand-in":
            if self.acts_on_behalf(call):
                return call
            call = call.otherwise
            if call is None:
                return None
        return call if self.acts_on_behalf(call) else None

    def acts_on_behalf(self, call: OnBehalf) -> bool:
        """Whether `call` runs instead of the statement: a stand-in wherever the platform extension is not
        loaded at server start; the others where this database has the functions for them (a role without
        superuser rights replays it: see ScratchServer)."""
        if call.kind == "as-own-role":  # only for a superuser, by a role that is none
            row = self.conn.execute(
                "SELECT r.rolsuper AND NOT me.rolsuper FROM pg_roles r, pg_roles me"
                " WHERE r.rolname = %s AND me.rolname = current_user",
                (call.name,),
            ).fetchone()
            return row == (True,)
        if call.kind == "stand-in":
            setting = STAND_INS[call.name]
            if setting is None:  # a platform's own: the real one where the server has it
                lacking = self.conn.execute(
                    "SELECT NOT EXISTS (SELECT FROM pg_available_extensions WHERE name = %s)", (call.name,)
                )
                return lacking.fetchone() == (True,)
            loaded = self.conn.execute("SELECT current_setting(%s, true)", (setting,))
            return loaded.fetchone() in (None, (None,))
        if self._may_act is None:
            probe = self.conn.execute(
                f"SELECT to_regnamespace('{RIGHTS_SCHEMA}') IS NOT NULL"
                " AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
            ).fetchone()
            self._may_act = bool(probe and probe[0])
        return self._may_act

    def execute_cheapest(self, sql: str) -> tuple[int | None, str | None]:
        return self.execute(sql), None  # a statement's lock is in its text (CONCURRENTLY): nothing to ask

    def run_script(self, sql: str) -> None:
        self.execute(sql)  # without parameters psycopg sends a multi-statement simple query

    def state(self) -> TxState:
        return _STATES.get(self.conn.info.transaction_status, TxState.IDLE)

    def relations(self) -> RelationMap:
        """Inside a transaction only the catalog rows it wrote are read again, merged into what was read
        before: observing every statement of a change that creates thousands of tables stays linear.
        Outside one (a statement that commits on its own) the whole catalog is read. A relation dropped
        since keeps its entry: that is where the name of a lock on it comes from."""
        in_transaction = self.state() is TxState.OPEN
        rows = self._query(
            self._changed_here if in_transaction and self._relations is not None else _USER_RELATIONS
        )
        found = {
            oid: Relation(qualified(nsp, rel), _RELKINDS.get(kind, kind), node)
            for oid, nsp, rel, kind, node in rows
        }
        if in_transaction and self._relations is not None:
            found = {**self._relations, **found}
        self._relations = found
        return dict(found)

    def own_locks(self, known: RelationMap) -> set[LockTaken]:
        # A relation the transaction dropped is gone from pg_class: its name comes from `known`, read
        # before the statement ran.
        taken = set()
        for oid, mode in self._query(_OWN_LOCKS):
            relation = known.get(oid)
            if relation is not None:
                taken.add(LockTaken(relation.name, mode, relation.relkind))
        return taken

    def violations(self) -> tuple[str, ...]:
        return ()  # PostgreSQL enforces every valid constraint; NOT VALID ones are in the snapshot

    def position(self) -> int | None:
        if self.conn.info.server_version < 130000:
            return None  # no pg_current_snapshot(): every snapshot is read in full
        return int(self._query(POSITION)[0][0])

    def introspect(self, since: Baseline | None = None) -> SchemaSnapshot:
        try:
            return introspect(self.conn) if since is None else introspect_since(self.conn, *since)
        except psycopg.OperationalError as exc:
            raise _lost(exc) from None

    def seed(self, snapshot: SchemaSnapshot, touched: set[ObjectName], rows: int) -> SeedResult | None:
        try:
            return seed(self.conn, snapshot, touched, rows)
        except psycopg.OperationalError as exc:
            raise _lost(exc) from None

    def row_counts(self, tables: list[str]) -> dict[str, int | None]:
        counts: dict[str, int | None] = {}
        for shown in tables:
            schema, _, name = shown.rpartition(".")
            counted = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema or "public", name))
            try:
                counts[shown] = int(self.conn.execute(counted).fetchone()[0])  # type: ignore[index]
            except psycopg.errors.UndefinedTable:
                counts[shown] = None
            except psycopg.OperationalError as exc:
                raise _lost(exc) from None
        return counts

    def write_one(self, table: str, column: str, value: str) -> bool:
        schema, _, name = table.rpartition(".")
        target = sql.Identifier(schema or "public", name)
        statement = sql.SQL(
            "UPDATE {table} SET {column} = {value} WHERE ctid = (SELECT ctid FROM {table} LIMIT 1)"
        ).format(table=target, column=sql.Identifier(column), value=sql.SQL(value))  # a literal we made
        try:
            return bool(self.conn.execute(statement).rowcount)
        except psycopg.OperationalError as exc:
            raise _lost(exc) from None
        except psycopg.Error:
            return False

    def row_evidence(self, sql: str, snapshot: SchemaSnapshot) -> tuple[RowEvidence, ...]:
        if self.state() is TxState.FAILED:
            return ()
        try:
            # A savepoint inside the migration's transaction: a look that fails (a column the change
            # dropped) must not abort what the migration does next.
            with self.conn.transaction():
                return row_evidence(self.conn, sql, snapshot)
        except psycopg.OperationalError as exc:
            raise _lost(exc) from None
        except psycopg.Error:
            return ()

    def _query(self, sql: str) -> list[Any]:
        try:
            return self.conn.execute(sql).fetchall()
        except psycopg.OperationalError as exc:
            raise _lost(exc) from None

    def _statement_error(
        self, exc: psycopg.Error, *, positioned: bool = True
    ) -> StatementError | DatabaseUnavailable:
        """`positioned`: the error's position is in the statement's text (not in a call made for it)."""
        if self.conn.closed or isinstance(exc, psycopg.InterfaceError):
            return _lost(exc)
        diag = exc.diag
        table = diag.table_name
        if table and diag.schema_name and diag.schema_name != "public":
            table = f"{diag.schema_name}.{table}"
        return StatementError(
            diag.message_primary or str(exc).splitlines()[0],
            code=exc.sqlstate,
            position=int(diag.statement_position) - 1 if positioned and diag.statement_position else None,
            detail="\n".join(part for part in (diag.message_detail, diag.message_hint) if part) or None,
            table=table,
            column=diag.column_name,
            constraint=diag.constraint_name,
        )


def _lost(exc: Exception) -> DatabaseUnavailable:
    message = first_line(exc)
    return DatabaseUnavailable(f"lost the throwaway database during the replay: {message}")


@contextmanager
def open_session(database: Database, statement_timeout_ms: int) -> Iterator[PostgresSession]:
    try:
        conn = psycopg.connect(database.conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        raise _lost(exc) from None
    with conn:
        conn.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
        yield PostgresSession(conn)
