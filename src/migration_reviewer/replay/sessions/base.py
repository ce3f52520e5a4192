"""A connection to a scratch database, seen the way the replay needs it, whatever the dialect.

The replay engine drives transactions itself and reads the server's own transaction state after every
statement; a session exposes exactly that, plus what can be observed about a statement (locks held,
storage rewritten) and the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from migration_reviewer.replay.result import LockTaken, RowEvidence, SeedResult
from migration_reviewer.schema.model import ObjectName, SchemaSnapshot


class TxState(Enum):
    IDLE = "idle"  # no transaction open: the next statement commits on its own
    OPEN = "open"
    FAILED = "failed"  # an error aborted the open transaction; only ROLLBACK is accepted


class StatementError(Exception):
    """The server rejected a statement. `position` is the 0-based character offset of the error inside
    the statement, where the server says."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        position: int | None = None,
        detail: str | None = None,
        table: str | None = None,
        column: str | None = None,
        constraint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.position = position
        self.detail = detail
        self.table = table
        self.column = column
        self.constraint = constraint
        # How the server would have run it, where it got that far before the rows stopped it (MySQL:
        # the ALGORITHM it accepted, then failed on the data with).
        self.form: str | None = None


@dataclass(frozen=True)
class Relation:
    name: str  # "table" or "schema.table"
    relkind: str  # "table", "index", "sequence"…
    storage: int  # changes when the relation's storage is rewritten (PostgreSQL: relfilenode)


RelationMap = dict[int, Relation]  # by the server's stable identifier of the relation
Baseline = tuple[SchemaSnapshot, int]  # a snapshot, and the position the history had when it was true


class Session(Protocol):
    # Whether the server runs a multi-statement query as one implicit transaction (PostgreSQL), so that a
    # failed script leaves nothing behind; MySQL and SQLite commit each statement of it on its own.
    scripts_are_atomic: bool
    # Whether `own_locks` can see anything. Where it can, a statement that commits on its own is sent
    # between BEGIN and COMMIT to look at its locks; where it cannot, it is sent alone, as the runner does
    # (SQLite ignores some PRAGMAs inside a transaction).
    sees_locks: bool

    def execute(self, sql: str) -> int | None:
        """Run one statement; the rows it reports (INSERT, UPDATE…), else None. Raises StatementError."""
        ...

    def execute_cheapest(self, sql: str) -> tuple[int | None, str | None]:
        """Run one statement the least disruptive way the server accepts for it, as `execute` does: the
        rows, and how it ran where the server was asked (MySQL: "ALGORITHM=INPLACE, LOCK=NONE"), else
        None. Only used on copies of the base: the change itself runs as written."""
        ...

    def run_script(self, sql: str) -> None:
        """Run several statements in one round trip. Raises StatementError."""
        ...

    def state(self) -> TxState: ...

    def relations(self) -> RelationMap:
        """The user relations and their storage identity (empty where the dialect cannot tell)."""
        ...

    def own_locks(self, known: RelationMap) -> set[LockTaken]:
        """The relation locks this session holds now (empty where the dialect cannot tell)."""
        ...

    def position(self) -> int | None:
        """Where the database's history stands, for `introspect(since=...)` after a change; None where
        the dialect cannot tell what was written after a point."""
        ...

    def introspect(self, since: Baseline | None = None) -> SchemaSnapshot:
        """The schema now. With `since` (the snapshot and the position before a change), only what the
        change can have altered is read again."""
        ...

    def violations(self) -> tuple[str, ...]:
        """Rows that break a constraint the server did not enforce while the migration ran, where it can
        check them afterwards (SQLite's foreign keys, switched off by PRAGMA); empty elsewhere."""
        ...

    def seed(self, snapshot: SchemaSnapshot, touched: set[ObjectName], rows: int) -> SeedResult | None:
        """Fill the touched tables with synthetic rows; None where the dialect has no seeder yet."""
        ...

    def row_counts(self, tables: list[str]) -> dict[str, int | None]:
        """The rows each table ("name" or "schema.name") holds now; None for a table that does not exist."""
        ...

    def write_one(self, table: str, column: str, value: str) -> bool:
        """Set `column` of one row of `table` to the SQL literal `value`; whether the server took it (False
        also where the dialect does not try: SQLite's types do not narrow)."""
        ...

    def row_evidence(self, sql: str, snapshot: SchemaSnapshot) -> tuple[RowEvidence, ...]:
        """Before `sql` runs over seeded rows: what the columns it makes NOT NULL or retypes hold (empty
        where the dialect does not look)."""
        ...


def rewritten(before: RelationMap, after: RelationMap) -> tuple[str, ...]:
    """Relations that existed before and after with different storage: rewritten in full."""
    return tuple(
        sorted(
            after[key].name
            for key, relation in before.items()
            if key in after
            and after[key].storage != relation.storage
            and relation.storage != 0
            and relation.relkind != "toast table"
        )
    )
