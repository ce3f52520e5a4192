"""Provider "sqlite": database files in a temporary folder, for SQLite and Cloudflare D1 (which is SQLite).

There is no server to start: the "server" hands out files in a folder of its own (on tmpfs when there is
one) and removes the folder when closed, whatever ended the review. A copy of a database is a copy of its
file, through SQLite's backup API so that it is consistent whatever state the file is in.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.replay.providers.base import Database, Meanwhile, Server, run_tag
from migration_reviewer.replay.providers.embedded import TMPFS, TMPFS_MIN_FREE

TEMP_PREFIX = "migration-reviewer-sqlite-"


def _version_num(version: str) -> int:
    major, minor, patch = (int(part) for part in [*version.split("."), "0", "0"][:3])
    return major * 1_000_000 + minor * 1000 + patch  # SQLite's own SQLITE_VERSION_NUMBER


class SqliteFiles:
    provider = "sqlite"
    dialect = Dialect.SQLITE
    server_version = sqlite3.sqlite_version
    server_version_num = _version_num(sqlite3.sqlite_version)
    keeps_named_databases = False  # replaying a SQLite history is cheap enough
    keeps_this_run = False
    replay_note: str | None = None

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._created: set[str] = set()

    def create_database(self, template: Database | None = None, name: str | None = None) -> Database:
        name = name or f"{uuid.uuid4().hex[:12]}.sqlite"
        path = self.folder / name
        with closing(sqlite3.connect(path)) as target:
            if template is not None:
                with closing(sqlite3.connect(template.conninfo)) as source:
                    source.backup(target)
        self._created.add(name)
        return Database(
            name=name,
            conninfo=str(path),
            dialect=self.dialect,
            provider=self.provider,
            server_version=self.server_version,
            server_version_num=self.server_version_num,
        )

    def copy_database(self, template: Database, count: int) -> list[Database]:
        return [self.create_database(template=template) for _ in range(count)]

    def find_database(self, name: str) -> Database | None:
        return None  # none is kept

    def remember(self, database: Database, note: str) -> None:
        pass  # nothing is kept

    def recall(self, database: Database) -> str | None:
        return None

    def drop_database(self, database: Database) -> None:
        if database.name not in self._created:
            raise ValueError(f"{database.name} is not a database of this provider")
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{database.conninfo}{suffix}").unlink(missing_ok=True)
        self._created.discard(database.name)


@contextmanager
def sqlite_files() -> Iterator[SqliteFiles]:
    """A folder of database files, removed however the block ends."""
    on_tmpfs = TMPFS.is_dir() and shutil.disk_usage(TMPFS).free >= TMPFS_MIN_FREE
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + run_tag(), dir=TMPFS if on_tmpfs else None))
    try:
        yield SqliteFiles(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class SqliteProvider:
    name = "sqlite"

    def start(self, meanwhile: Meanwhile | None = None) -> AbstractContextManager[Server]:
        if meanwhile is not None:
            meanwhile({})  # nothing kept
        return sqlite_files()
