"""Sessions on a scratch database, one module per dialect."""

from __future__ import annotations

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
