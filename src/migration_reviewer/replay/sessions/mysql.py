"""The MySQL and MariaDB session: PyMySQL in autocommit mode, BEGIN and COMMIT sent by us or the migration.

Transaction state comes from the server's own status flags, which every OK packet carries: after a DDL
statement (which commits implicitly, before and after itself) the server says the transaction is over,
and the runner's imitation follows. An error packet carries no flags, so after an error the session asks
with a no-op.

Locks: a DDL statement takes its metadata lock for itself alone and has committed by the time it returns,
so there is nothing to read between statements. What the replay can find out is how the server runs an
ALTER: `execute_cheapest` asks for ALGORITHM=INSTANT, then INPLACE with LOCK=NONE, and so on, and the
first form the server accepts is the answer. Rewrites come from InnoDB's table ids, which change when a
table is rebuilt (COPY, or INPLACE with a rebuild).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
from pymysql.constants import SERVER_STATUS
from sqlglot import exp

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.errors import DatabaseUnavailable, first_line
from migration_reviewer.replay.providers.base import Database
from migration_reviewer.replay.providers.mysql import connect
from migration_reviewer.replay.result import LockTaken, RowEvidence, SeedResult
from migration_reviewer.replay.sessions._rows import integer_key, seed_rows
from migration_reviewer.replay.sessions.base import Baseline, Relation, RelationMap, StatementError, TxState
from migration_reviewer.replay.statements import parse_other, split_sql
from migration_reviewer.schema.introspectors import get_introspector
from migration_reviewer.schema.model import ObjectName, SchemaSnapshot, Table

# The least disruptive ways first. COPY never lets writes through; as written, a statement refused all of
# these can only copy the table under an exclusive lock.
FORMS = (
    "ALGORITHM=INSTANT",
    "ALGORITHM=INPLACE, LOCK=NONE",
    "ALGORITHM=INPLACE, LOCK=SHARED",
    "ALGORITHM=COPY, LOCK=SHARED",
)
AS_WRITTEN = "ALGORITHM=COPY, LOCK=EXCLUSIVE"
# "ALGORITHM=… is not supported", "LOCK=… is not supported", and an unknown algorithm (older servers).
_REFUSED = {1845, 1846, 1800, 1801}
_LOST = {2006, 2013, 2055}  # server gone away, lost connection during query, lost connection
# The rows stop the statement (strict mode): truncated, out of range, too long, an incorrect value, NULL
# where none is allowed, a duplicate key, a missing parent, a CHECK.
_DATA_ERRORS = {1048, 1062, 1138, 1264, 1265, 1292, 1366, 1406, 1452, 3819, 4025}
_ONLINE_DDL = re.compile(
    r"\s*(?:ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE|CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX"
    r"|DROP\s+INDEX)\b",
    re.I,
)
_ALTERED = re.compile(r"\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:`?\w+`?\.)?`?(\w+)`?", re.I)
# MODIFY [COLUMN] name …, CHANGE [COLUMN] old new …: the column by its name before the statement.
_RETYPED = re.compile(
    r"\b(?:MODIFY(?:\s+COLUMN)?\s+`?(\w+)`?|CHANGE(?:\s+COLUMN)?\s+`?(\w+)`?\s+`?\w+`?)\s", re.I
)
_VALUES_KEPT = 100  # distinct values a piece of evidence keeps, the most held first
_CHOSEN = re.compile(r"\b(?:ALGORITHM|LOCK)\s*=", re.I)
_COUNTED = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_NEAR_LINE = re.compile(r"near '(.*?)' at line (\d+)$", re.S)
_COLUMN = re.compile(r"\bcolumn [`']?(?:[^`'\s]+[`']?\.[`']?)*([^`'\s]+?)[`']?(?: at row \d+)?$", re.I)
# InnoDB names a table "database/table".
_INNODB_TABLES = (
    "SELECT NAME, TABLE_ID FROM information_schema.{}"
    " WHERE NAME LIKE CONCAT(REPLACE(DATABASE(), '_', '\\\\_'), '/%')"
)


class MySqlStatementError(StatementError):
    def __init__(self, message: str, errno: int | None, **details: Any) -> None:
        super().__init__(message, **details)
        self.errno = errno


class MySqlSession:
    scripts_are_atomic = False  # each statement of a multi-statement query commits on its own
    sees_locks = False  # a DDL statement's metadata lock is gone when it returns

    def __init__(self, conn: Any, mariadb: bool) -> None:
        self.conn = conn
        # MariaDB names InnoDB's table list INNODB_SYS_TABLES, MySQL 8 INNODB_TABLES; reading either needs
        # the PROCESS privilege. None: rebuilds cannot be seen.
        self._innodb: str | None = _INNODB_TABLES.format("INNODB_SYS_TABLES" if mariadb else "INNODB_TABLES")
        self._ids: dict[str, int] = {}  # a stable number per table name, for RelationMap

    def execute(self, sql: str) -> int | None:
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(sql)
                rows: int = cursor.rowcount
        except pymysql.MySQLError as exc:
            raise self._statement_error(exc, sql) from None
        return rows if sql.lstrip().split(None, 1)[0].upper() in _COUNTED else None

    def execute_cheapest(self, sql: str) -> tuple[int | None, str | None]:
        if not _ONLINE_DDL.match(sql) or _CHOSEN.search(sql):
            return self.execute(sql), None
        alter = sql.lstrip()[:5].upper() == "ALTER"
        for form in FORMS:
            # ALTER TABLE takes the options as more comma-separated actions, CREATE and DROP INDEX as
            # words; on a line of their own, since the statement may end in a comment.
            clause = f", {form}" if alter else form.replace(",", "")
            try:
                return self.execute(f"{sql}\n{clause}"), form
            except MySqlStatementError as exc:
                if exc.errno not in _REFUSED:
                    failed_with = exc  # not about the form (a syntax it cannot follow, or the data)
                    break
        else:
            return self.execute(sql), AS_WRITTEN
        try:
            return self.execute(sql), None  # as written
        except MySqlStatementError as exc:
            if exc.errno == failed_with.errno and exc.errno in _DATA_ERRORS:
                # The server accepted the form and failed on the rows: the algorithm is still its answer.
                exc.form = form
            raise

    def run_script(self, sql: str) -> None:
        for statement in split_sql(sql, dialect=Dialect.MYSQL):
            self.execute(statement.text)

    def state(self) -> TxState:
        return (
            TxState.OPEN if self.conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS else TxState.IDLE
        )

    def relations(self) -> RelationMap:
        if self._innodb is None:
            return {}
        try:
            rows = self._query(self._innodb)
        except pymysql.MySQLError:
            self._innodb = None  # no PROCESS privilege
            return {}
        relations = {}
        for name, table_id in rows:
            table = name.split("/", 1)[1]
            relations[self._ids.setdefault(table, len(self._ids) + 1)] = Relation(table, "table", table_id)
        return relations

    def own_locks(self, known: RelationMap) -> set[LockTaken]:
        return set()  # see the module's docstring

    def violations(self) -> tuple[str, ...]:
        return ()  # MySQL has no check for rows written under FOREIGN_KEY_CHECKS = 0

    def position(self) -> int | None:
        return None

    def introspect(self, since: Baseline | None = None) -> SchemaSnapshot:
        try:
            return get_introspector("mysql")(self.conn)
        except pymysql.MySQLError as exc:
            raise _lost(exc) from None

    def seed(self, snapshot: SchemaSnapshot, touched: set[ObjectName], rows: int) -> SeedResult | None:
        return seed_rows(snapshot, touched, rows, self._insert, self._existing)

    def row_counts(self, tables: list[str]) -> dict[str, int | None]:
        counts: dict[str, int | None] = {}
        for name in tables:
            try:
                counts[name] = int(self._query(f"SELECT count(*) FROM `{name.replace('`', '``')}`")[0][0])
            except pymysql.MySQLError as exc:
                if _errno(exc) in _LOST:
                    raise _lost(exc) from None
                counts[name] = None  # 1146: no such table
        return counts

    def write_one(self, table: str, column: str, value: str) -> bool:
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(f"UPDATE `{table}` SET `{column}` = {value} LIMIT 1")  # a literal we made
                return bool(cursor.rowcount)
        except pymysql.MySQLError as exc:
            if _errno(exc) in _LOST:
                raise _lost(exc) from None
            return False

    def row_evidence(self, sql: str, snapshot: SchemaSnapshot) -> tuple[RowEvidence, ...]:
        """The columns an ALTER TABLE modifies (MODIFY, CHANGE) on a table of the base: their NULLs and
        values with row counts, read just before it runs."""
        altered = _ALTERED.match(sql)
        if altered is None:
            return ()
        table = next((t for t in snapshot.tables if t.name == altered.group(1)), None)
        if table is None:
            return ()
        found = []
        for match in _RETYPED.finditer(sql, altered.end()):
            column = table.column(match.group(1) or match.group(2))
            if column is None:
                continue
            try:
                found.append(self._evidence(table, column.name))
            except pymysql.MySQLError as exc:
                if _errno(exc) in _LOST:
                    raise _lost(exc) from None  # else a column the change dropped: nothing to look at
        return tuple(found)

    def _evidence(self, table: Table, column: str) -> RowEvidence:
        key = table.primary_key.columns if table.primary_key is not None else ()
        shown = ", ', ', ".join(f"'{k}=', `{k}`" for k in key) if key else "'row'"
        order = ", ".join(f"`{k}`" for k in key) or "1"
        [(rows, nulls)] = self._query(
            f"SELECT count(*), count(*) - count(`{column}`) FROM `{table.name}`"
        )
        first = self._query(
            f"SELECT CONCAT({shown}) FROM `{table.name}` WHERE `{column}` IS NULL ORDER BY {order} LIMIT 1"
        )
        values = self._query(
            f"SELECT CAST(`{column}` AS CHAR), count(*) FROM `{table.name}` WHERE `{column}` IS NOT NULL"
            f" GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {_VALUES_KEPT}"
        )
        return RowEvidence(
            table.name,
            column,
            int(rows),
            int(nulls),
            str(first[0][0]) if first else None,
            tuple((str(value), int(count)) for value, count in values),
        )

    def _existing(self, table: Table) -> int:
        key = integer_key(table)
        [row] = self._query(f"SELECT count(*){f', max(`{key}`)' if key else ''} FROM `{table.name}`")
        return max(int(value) for value in row if value is not None)

    def _insert(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]]) -> str | None:
        listed = ", ".join(f"`{c}`" for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        try:
            with self.conn.cursor() as cursor:
                # One multi-row INSERT per batch (PyMySQL rewrites executemany so).
                cursor.executemany(f"INSERT INTO `{table.name}` ({listed}) VALUES ({marks})", rows)
        except pymysql.MySQLError as exc:
            if _errno(exc) in _LOST:
                raise _lost(exc) from None
            return str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        return None

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def _statement_error(
        self, exc: pymysql.MySQLError, sql: str
    ) -> MySqlStatementError | DatabaseUnavailable:
        errno = _errno(exc)
        if errno in _LOST or not self.conn.open:
            return _lost(exc)
        try:
            self.conn.cursor().execute("DO 0")  # an error packet has no status flags: fetch them
        except pymysql.MySQLError as refresh:
            return _lost(refresh)
        message = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        column = _COLUMN.search(message)
        return MySqlStatementError(
            message,
            errno,
            code=getattr(exc, "sqlstate", None),
            position=_position(message, sql),
            detail=f"MySQL error {errno}" if errno else None,
            table=_target(sql),
            column=column.group(1) if column else None,
        )


def _errno(exc: BaseException) -> int | None:
    return exc.args[0] if exc.args and isinstance(exc.args[0], int) else None


def _position(message: str, sql: str) -> int | None:
    """Where a syntax error is: MySQL says "near '…' at line N" (of the statement)."""
    match = _NEAR_LINE.search(message)
    if match is None:
        return None
    lines = sql.split("\n")
    line = min(int(match.group(2)), len(lines)) - 1
    start = sum(len(text) + 1 for text in lines[:line])
    found = lines[line].find(match.group(1)[:20]) if match.group(1) else -1
    return start + max(found, 0)


def _target(sql: str) -> str | None:
    """The table a statement changes (the first it names), for errors that do not say."""
    tree = parse_other(sql, Dialect.MYSQL)
    table = tree.find(exp.Table) if tree is not None else None
    return table.name if table is not None and table.name else None


def _lost(exc: BaseException) -> DatabaseUnavailable:
    message = first_line(exc)
    return DatabaseUnavailable(f"lost the throwaway database during the replay: {message}")


@contextmanager
def open_session(database: Database, statement_timeout_ms: int) -> Iterator[MySqlSession]:
    try:
        conn = connect(database.conninfo)
    except pymysql.MySQLError as exc:
        raise _lost(exc) from None
    with conn:
        mariadb = "MariaDB" in database.server_version
        with conn.cursor() as cursor:
            # MariaDB stops any statement past the limit; MySQL only SELECTs.
            if mariadb:
                cursor.execute(f"SET SESSION max_statement_time = {statement_timeout_ms / 1000:.3f}")
            else:
                cursor.execute(f"SET SESSION max_execution_time = {int(statement_timeout_ms)}")
        yield MySqlSession(conn, mariadb)
