"""Sessions on a scratch database, one module per dialect."""

from __future__ import annotations

import importlib
from contextlib import AbstractContextManager

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.replay.providers.base import Database
from migration_reviewer.replay.sessions.base import Session


def open_session(database: Database, statement_timeout_ms: int) -> AbstractContextManager[Session]:
    # Imported on first use: each dialect's driver and DDL parser load only for the reviews that need them.
    if database.dialect is Dialect.POSTGRESQL:
        from migration_reviewer.replay.sessions.postgres import open_postgres

        return open_postgres(database, statement_timeout_ms)
    if database.dialect is Dialect.MYSQL:
        from migration_reviewer.replay.sessions.mysql import open_mysql

        return open_mysql(database, statement_timeout_ms)
    from migration_reviewer.replay.sessions.sqlite import open_sqlite

    return open_sqlite(database, statement_timeout_ms)


_MODULES = {
    Dialect.POSTGRESQL: "migration_reviewer.replay.sessions.postgres",
    Dialect.MYSQL: "migration_reviewer.replay.sessions.mysql",
    Dialect.SQLITE: "migration_reviewer.replay.sessions.sqlite",
}


def load_driver(dialect: Dialect) -> None:
    """Load `dialect`'s sessions and driver now rather than at the first session: a review does it while
    its server starts (psycopg alone takes a fifth of a second to import)."""
    importlib.import_module(_MODULES[dialect])
