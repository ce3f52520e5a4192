"""Provider "mysql": a MySQL or MariaDB server reached by a URL (`mysql://user:password@host:3306/db`),
or a container from a MySQL or MariaDB image where a Docker daemon answers.

As with PostgreSQL's url provider, the database named in the URL is only where we connect: every review
database is a `mr_scratch_` database created beside it and dropped on the way out, and nothing else on the
server is written to.

Copies (the base history is replayed once; each experiment runs on a copy of it): MySQL has no
`CREATE DATABASE … TEMPLATE`. Each object is made again from the server's own `SHOW CREATE` text and the
rows follow with `INSERT … SELECT`: one statement per table, where replaying the history again would cost
one per migration, and exact, where `CREATE TABLE … LIKE` would leave the foreign keys out.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import pymysql

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.errors import DatabaseUnavailable, UsageError
from migration_reviewer.replay.providers.base import (
    Database,
    Meanwhile,
    Server,
    is_mysql_url,
    mask_password,
    run_tag,
)
from migration_reviewer.replay.providers.docker import check_docker, running
from migration_reviewer.replay.providers.url import CONNECT_TIMEOUT_S, SCRATCH_PREFIX

log = logging.getLogger(__name__)

DEFAULT_IMAGE = "mysql:8.4"
NO_DOCKER_HINT = "use --database-url mysql://… with a MySQL or MariaDB server you run"
URL_HINT = "check that the server is running and that --database-url points at it"
_URL_FORMAT = "mysql://user:password@host:3306/database"
_GRANT_HINT = (
    "the user needs to create and drop its scratch databases: "
    "GRANT ALL ON `mr\\_scratch\\_%`.* TO the user, or connect as one who may"
)


def connect_args(url: str) -> dict[str, Any]:
    """PyMySQL's keyword arguments for a URL; UsageError (without the password) when it is not one."""
    if not is_mysql_url(url):
        raise UsageError(
            "the database URL does not start with mysql:// or mariadb://", hint=f"give {_URL_FORMAT}"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        message = f"cannot read the database URL {mask_password(url)}: {exc}"
        raise UsageError(message, hint=f"give {_URL_FORMAT}") from None
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    args: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or None,
    }
    if "unix_socket" in query:
        args["unix_socket"] = unquote(query["unix_socket"])
    return args


def connect(url: str, *, database: str | None = None) -> pymysql.connections.Connection[Any]:
    """A connection in autocommit mode (transactions are ours, or the migration's, to open), to
    `database` or else the URL's own. Raises pymysql's errors."""
    args = connect_args(url)
    if database is not None:
        args["database"] = database
    return pymysql.connect(**args, autocommit=True, charset="utf8mb4", connect_timeout=CONNECT_TIMEOUT_S)


def with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def version_of(text: str) -> tuple[str, int]:
    """`SELECT VERSION()` → (the version as shown, e.g. "10.11.19-MariaDB", 101119)."""
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", text)
    major, minor, patch = (int(part) for part in match.groups()) if match else (0, 0, 0)
    shown = f"{major}.{minor}.{patch}" + ("-MariaDB" if "mariadb" in text.lower() else "")
    return shown, major * 10000 + minor * 100 + patch


def _reason(exc: BaseException) -> str:
    """The server's message without pymysql's error number in front."""
    text = str(exc.args[1]) if isinstance(exc, pymysql.MySQLError) and len(exc.args) > 1 else str(exc)
    return mask_password(text.strip().splitlines()[0] if text.strip() else type(exc).__name__)


class MySqlServer:
    """A MySQL or MariaDB server on which we create, copy and drop scratch databases."""

    dialect = Dialect.MYSQL
    keeps_named_databases = False  # someone else's server: nothing of ours outlives the review
    keeps_this_run = False
    replay_note: str | None = None

    def __init__(self, provider: str, url: str, *, hint: str = URL_HINT) -> None:
        self.provider = provider
        self.url = url
        self._hint = hint
        self._created: dict[str, Database] = {}
        try:
            self._admin = connect(url)
        except pymysql.MySQLError as exc:
            raise self._unavailable(f"could not connect to MySQL at {mask_password(url)}", exc) from None
        (version,) = self._query("SELECT VERSION()")[0]
        self.server_version, self.server_version_num = version_of(version)

    def __repr__(self) -> str:
        return f"MySqlServer({self.provider!r}, {mask_password(self.url)!r})"

    def create_database(self, template: Database | None = None, name: str | None = None) -> Database:
        name = name or f"{SCRATCH_PREFIX}{run_tag()}{uuid.uuid4().hex[:12]}"
        charset = "utf8mb4"
        collation = None
        if template is not None:
            charset, collation = self._query(
                "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA"
                " WHERE SCHEMA_NAME = %s",
                (template.name,),
            )[0]
        try:
            collate = f" COLLATE {collation}" if collation else ""
            self._admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET {charset}{collate}")
        except pymysql.MySQLError as exc:
            raise self._unavailable("could not create a scratch database", exc, _GRANT_HINT) from None
        database = Database(
            name=name,
            conninfo=with_database(self.url, name),
            dialect=self.dialect,
            provider=self.provider,
            server_version=self.server_version,
            server_version_num=self.server_version_num,
        )
        self._created[name] = database
        if template is not None:
            try:
                _copy(self.url, template.name, name)
            except pymysql.MySQLError as exc:
                raise self._unavailable(f"could not copy the scratch database {template.name}", exc) from None
        return database

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
            # We only ever drop what we created: a stray name here is a bug, not a user's database.
            raise ValueError(f"{database.name} is not a scratch database of this server")
        try:
            self._admin.cursor().execute(f"DROP DATABASE IF EXISTS `{database.name}`")
        except pymysql.MySQLError as exc:
            raise self._unavailable(f"could not drop the scratch database {database.name}", exc) from None
        del self._created[database.name]

    def close(self, *, quiet: bool = False) -> None:
        """Drop every scratch database left and disconnect. `quiet`: an error is already on its way out,
        so a database we could not drop is logged instead of raised over it."""
        left = []
        for database in list(self._created.values()):
            try:
                self.drop_database(database)
            except DatabaseUnavailable:
                left.append(database.name)
        self._admin.close()
        if left:
            message = f"could not drop the scratch database(s) {', '.join(left)} on {mask_password(self.url)}"
            hint = "drop them by hand: " + "; ".join(f"DROP DATABASE `{name}`" for name in left)
            if not quiet:
                raise DatabaseUnavailable(message, hint=hint)
            log.warning("%s (%s)", message, hint)

    def _query(self, sql: str, args: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        try:
            with self._admin.cursor() as cursor:
                cursor.execute(sql, args)
                return list(cursor.fetchall())
        except pymysql.MySQLError as exc:
            raise self._unavailable("the server failed a catalog query", exc) from None

    def _unavailable(self, what: str, exc: BaseException, hint: str | None = None) -> DatabaseUnavailable:
        return DatabaseUnavailable(f"{what}: {_reason(exc)}", hint=hint or self._hint)


def _copy(url: str, source: str, target: str) -> None:
    """Every object of `source` made again in `target` from SHOW CREATE, with the rows of its tables.
    SHOW CREATE run inside `source` names its objects without the database, so the text fits `target`."""
    with connect(url, database=source) as src, connect(url, database=target) as dst:
        read, write = src.cursor(), dst.cursor()

        def rows(sql: str, *args: Any) -> list[tuple[Any, ...]]:
            read.execute(sql, args or None)
            return list(read.fetchall())

        write.execute("SET FOREIGN_KEY_CHECKS = 0")  # the tables arrive in name order, parents or not
        views = []
        for name, kind in rows(
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s"
            " ORDER BY TABLE_NAME",
            source,
        ):
            if kind == "VIEW":
                views.append(name)
            elif kind == "SEQUENCE":  # MariaDB
                write.execute(rows(f"SHOW CREATE SEQUENCE `{name}`")[0][1])
            else:
                write.execute(rows(f"SHOW CREATE TABLE `{name}`")[0][1])
                columns = ", ".join(
                    f"`{column}`"
                    for (column,) in rows(
                        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s"
                        " AND TABLE_NAME = %s AND EXTRA NOT LIKE '%%GENERATED%%' ORDER BY ORDINAL_POSITION",
                        source,
                        name,
                    )
                )
                write.execute(f"INSERT INTO `{name}` ({columns}) SELECT {columns} FROM `{source}`.`{name}`")
        # A routine's body is not checked when it is created; a view's query is, and may call one.
        for kind, name in rows(
            "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s",
            source,
        ):
            _create(write, rows(f"SHOW CREATE {kind} `{name}`")[0], text_at=2)
        _create_views(write, [rows(f"SHOW CREATE VIEW `{name}`")[0][1] for name in views])
        triggers = (
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s"
            " ORDER BY ACTION_ORDER"
        )
        for (name,) in rows(triggers, source):
            _create(write, rows(f"SHOW CREATE TRIGGER `{name}`")[0], text_at=2)
        events = "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s"
        for (name,) in rows(events, source):
            _create(write, rows(f"SHOW CREATE EVENT `{name}`")[0], text_at=3)


def _create(cursor: Any, shown: tuple[Any, ...], *, text_at: int) -> None:
    """Run a routine's, trigger's or event's SHOW CREATE text under the sql_mode it was created with
    (the second column), which decides how its body reads."""
    cursor.execute("SET SESSION sql_mode = %s", (shown[1],))
    cursor.execute(shown[text_at])


def _create_views(cursor: Any, texts: list[str]) -> None:
    """Views in an order that works: one that selects from another waits for it."""
    pending = texts
    while pending:
        failed: list[str] = []
        error: pymysql.MySQLError | None = None
        for text in pending:
            try:
                cursor.execute(text)
            except pymysql.MySQLError as exc:
                failed.append(text)
                error = exc
        if len(failed) == len(pending) and error is not None:
            raise error
        pending = failed


@contextmanager
def mysql_server(provider: str, url: str, *, hint: str = URL_HINT) -> Iterator[MySqlServer]:
    """A `MySqlServer` that drops its databases and disconnects however the block ends."""
    server = MySqlServer(provider, url, hint=hint)
    try:
        yield server
    except BaseException:
        server.close(quiet=True)
        raise
    server.close()


class MySqlProvider:
    name = "mysql"

    def __init__(self, url: str) -> None:
        connect_args(url)  # a URL that cannot be read is a usage error now, not a failed review later
        self._url = url

    def __repr__(self) -> str:
        return f"MySqlProvider({mask_password(self._url)!r})"

    def start(self, meanwhile: Meanwhile | None = None) -> AbstractContextManager[Server]:
        if meanwhile is not None:
            meanwhile({})  # nothing kept
        return mysql_server(self.name, self._url)


class MySqlDockerProvider:
    """A MySQL or MariaDB container (the mariadb images read the same MYSQL_* settings)."""

    name = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE) -> None:
        self.image = image

    def __repr__(self) -> str:
        return f"MySqlDockerProvider({self.image!r})"

    def start(self, meanwhile: Meanwhile | None = None) -> AbstractContextManager[Server]:
        if meanwhile is not None:
            meanwhile({})  # nothing kept
        return self.run()

    @contextmanager
    def run(self) -> Iterator[MySqlServer]:
        check_docker()
        # Heavy imports, only once a daemon answers.
        from testcontainers.mysql import MySqlContainer

        container = MySqlContainer(self.image, username="root", password=uuid.uuid4().hex)
        with (
            running(container, self.image),
            mysql_server(
                self.name,
                container.get_connection_url(),
                hint=f"the {self.image} container stopped answering; {NO_DOCKER_HINT}",
            ) as server,
        ):
            yield server
