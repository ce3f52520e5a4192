"""Sessions on a scratch database, one module per dialect, each with its `open_session`."""

from __future__ import annotations

import importlib
from contextlib import AbstractContextManager
from types import ModuleType

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.replay.providers.base import Database
from migration_reviewer.replay.sessions.base import Session

# Imported on first use: each dialect's driver and DDL parser load only for the reviews that need them.
_MODULES = {
    Dialect.POSTGRESQL: "migration_reviewer.replay.sessions.postgres",
    Dialect.MYSQL: "migration_reviewer.replay.sessions.mysql",
    Dialect.SQLITE: "migration_reviewer.replay.sessions.sqlite",
}


def open_session(database: Database, statement_timeout_ms: int) -> AbstractContextManager[Session]:
    opened: AbstractContextManager[Session] = _module(database.dialect).open_session(
        database, statement_timeout_ms
    )
    return opened


def load_driver(dialect: Dialect) -> None:
    """Load `dialect`'s sessions and driver now rather than at the first session: a review does it while
    its server starts (psycopg alone takes a fifth of a second to import)."""
    _module(dialect)


def _module(dialect: Dialect) -> ModuleType:
    return importlib.import_module(_MODULES[dialect])
