"""Sessions on a scratch database, one module per dialect."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.replay.providers.base import Database
from migration_reviewer.replay.sessions.base import Session
from migration_reviewer.replay.sessions.mysql import open_mysql
from migration_reviewer.replay.sessions.postgres import open_postgres
from migration_reviewer.replay.sessions.sqlite import open_sqlite

Opener = Callable[[Database, int], AbstractContextManager[Session]]

OPENERS: dict[Dialect, Opener] = {
    Dialect.POSTGRESQL: open_postgres,
    Dialect.MYSQL: open_mysql,
    Dialect.SQLITE: open_sqlite,
}


def open_session(database: Database, statement_timeout_ms: int) -> AbstractContextManager[Session]:
    return OPENERS[database.dialect](database, statement_timeout_ms)
