"""Sessions on a scratch database, one module per dialect."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.replay.providers.base import Database
from migration_reviewer.replay.sessions.base import Session
from migration_reviewer.replay.sessions.postgres import open_postgres

Opener = Callable[[Database, int], AbstractContextManager[Session]]

OPENERS: dict[Dialect, Opener] = {Dialect.POSTGRESQL: open_postgres}


def open_session(database: Database, statement_timeout_ms: int) -> AbstractContextManager[Session]:
    return OPENERS[database.dialect](database, statement_timeout_ms)
