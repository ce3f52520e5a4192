"""The SQLite session: the standard library's sqlite3 with no implicit transactions (isolation_level=None),
so BEGIN and COMMIT are ours or the migration's, and `in_transaction` is SQLite's own autocommit flag.

Foreign keys are enforced, as Cloudflare D1, better-sqlite3 (Drizzle) and Prisma do: that is what makes a
table rebuild inside a transaction delete rows through ON DELETE CASCADE, as it does there. SQLite locks
the whole file, not tables, so there are no relation locks to report; a table's root page tells when it
was rewritten (VACUUM), a rebuild shows in the snapshots instead. The statement timeout is a progress
handler that interrupts a statement running past it.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.errors import DatabaseUnavailable
from migration_reviewer.replay.providers.base import Database
from migration_reviewer.replay.result import LockTaken, RowEvidence, SeedResult
from migration_reviewer.replay.sessions._rows import integer_key, seed_rows
from migration_reviewer.replay.sessions.base import Baseline, Relation, RelationMap, StatementError, TxState
from migration_reviewer.replay.statements import split_sql
from migration_reviewer.schema.introspectors import get_introspector
from migration_reviewer.schema.model import ObjectName, SchemaSnapshot, Table

_COUNTED = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_PROGRESS_STEPS = 10_000  # virtual machine instructions between two looks at the clock
# "NOT NULL constraint failed: users.email", "UNIQUE constraint failed: users.email, users.team"
_CONSTRAINT_FAILED = re.compile(r"constraint failed: ([^.\s]+)\.([^,\s]+)")
_NO_SUCH = re.compile(r"no such (table|column): (?:main\.)?(\S+)")


class SqliteSession:
    scripts_are_atomic = False  # sqlite3 runs one statement per call; a script is its statements
    sees_locks = False  # SQLite locks the file, not tables

    def __init__(self, conn: sqlite3.Connection, statement_timeout_ms: int) -> None:
        self.conn = conn
        self._timeout_s = statement_timeout_ms / 1000
        self._deadline = float("inf")  # only a migration's statements are timed
        self._ids: dict[str, int] = {}  # a stable number per object name, for RelationMap
        conn.set_progress_handler(lambda: time.monotonic() > self._deadline, _PROGRESS_STEPS)

    def execute(self, sql: str) -> int | None:
        self._deadline = time.monotonic() + self._timeout_s
        try:
            with closing(self.conn.execute(sql)) as cursor:
                cursor.fetchall()  # a PRAGMA or SELECT runs fully only once its rows are read
                rows = cursor.rowcount
        except sqlite3.Error as exc:
            raise _statement_error(exc) from None
        finally:
            self._deadline = float("inf")
        return rows if sql.lstrip().split(None, 1)[0].upper() in _COUNTED else None

    def execute_cheapest(self, sql: str) -> tuple[int | None, str | None]:
        return self.execute(sql), None  # SQLite has one way to run each statement

    def run_script(self, sql: str) -> None:
        for statement in split_sql(sql, dialect=Dialect.SQLITE):
            self.execute(statement.text)

    def state(self) -> TxState:
        return TxState.OPEN if self.conn.in_transaction else TxState.IDLE

    def relations(self) -> RelationMap:
        rows = self.conn.execute(
            "SELECT name, type, rootpage FROM sqlite_schema WHERE type IN ('table', 'index')"
        ).fetchall()
        return {
            self._ids.setdefault(name, len(self._ids) + 1): Relation(name, kind, rootpage or 0)
            for name, kind, rootpage in rows
        }

    def own_locks(self, known: RelationMap) -> set[LockTaken]:
        return set()  # see the module's docstring

    def violations(self) -> tuple[str, ...]:
        found = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        return tuple(f"{table} row {rowid}: no parent row in {parent}" for table, rowid, parent, _ in found)

    def position(self) -> int | None:
        return None

    def introspect(self, since: Baseline | None = None) -> SchemaSnapshot:
        return get_introspector("sqlite")(self.conn)

    def seed(self, snapshot: SchemaSnapshot, touched: set[ObjectName], rows: int) -> SeedResult | None:
        return seed_rows(snapshot, touched, rows, self._insert, self._existing)

    def row_counts(self, tables: list[str]) -> dict[str, int | None]:
        counts: dict[str, int | None] = {}
        for name in tables:
            try:
                counts[name] = int(self.conn.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0])
            except sqlite3.OperationalError:
                counts[name] = None  # no such table
        return counts

    def write_one(self, table: str, column: str, value: str) -> bool:
        return False  # a column's declared type does not limit what SQLite stores in it

    def row_evidence(self, sql: str, snapshot: SchemaSnapshot) -> tuple[RowEvidence, ...]:
        return ()

    def _existing(self, table: Table) -> int:
        key = integer_key(table)
        maximum = f", max({_quote(key)})" if key else ""
        row = self.conn.execute(f"SELECT count(*){maximum} FROM {_quote(table.name)}").fetchone()
        return max(int(value) for value in row if value is not None)

    def _insert(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]]) -> str | None:
        listed = ", ".join(_quote(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        try:
            with self.conn:  # one transaction for the table's rows
                self.conn.executemany(f"INSERT INTO {_quote(table.name)} ({listed}) VALUES ({marks})", rows)
        except sqlite3.Error as exc:
            return str(exc)
        return None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _statement_error(exc: sqlite3.Error) -> StatementError | DatabaseUnavailable:
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in str(exc):
        return DatabaseUnavailable(f"lost the throwaway database during the replay: {exc}")
    message = str(exc)
    table = column = None
    if failed := _CONSTRAINT_FAILED.search(message):
        table, column = failed.groups()
    elif (missing := _NO_SUCH.search(message)) and missing.group(1) == "table":
        table = missing.group(2)
    return StatementError(message, code=getattr(exc, "sqlite_errorname", None), table=table, column=column)


@contextmanager
def open_session(database: Database, statement_timeout_ms: int) -> Iterator[SqliteSession]:
    with closing(sqlite3.connect(database.conninfo, isolation_level=None)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        yield SqliteSession(conn, statement_timeout_ms)
