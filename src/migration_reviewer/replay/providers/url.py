"""Provider "url": an existing PostgreSQL server, reached by a URL.

The database named in the URL is only where we connect. Every review database is a scratch database we
create with a unique `mr_scratch_` name and drop on the way out; nothing else on the server is written to.
`ScratchServer` is that logic, shared with the embedded and docker providers.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from migration_reviewer.adapters.base import Dialect
from migration_reviewer.errors import DatabaseUnavailable, UsageError, first_line
from migration_reviewer.replay.extensions import DENIED_EXTENSIONS, RIGHTS_SCHEMA, rights_sql
from migration_reviewer.replay.providers.base import Database, Meanwhile, Server, mask_password, run_tag

log = logging.getLogger(__name__)

SCRATCH_PREFIX = "mr_scratch_"
URL_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_S = 10
URL_HINT = "check that the server is running and that --database-url points at it"
# The role migrations run as on a server of our own: no superuser rights, so COPY … PROGRAM, untrusted
# languages, ALTER SYSTEM and the like fail there instead of reaching the machine.
REPLAY_ROLE = "migration_reviewer_replay"
# How rights.sql comments the roles it makes, followed by the database's name.
_ROLE_MARKER = "made on behalf of a migration by a migration-reviewer replay, in database "


class ScratchServer:
    """A PostgreSQL server on which we create and drop scratch databases over one admin connection.

    `file_copy`: create databases with STRATEGY FILE_COPY (PostgreSQL ≥ 15). It is the fastest way on a
    server of our own, but it forces two checkpoints, which we do not impose on someone else's server.
    `drop_on_close`: drop the scratch databases in `close()`; pointless when the whole server goes away.
    `hint`: what to tell a user when the server fails us.
    `replay_role`: a role (created when missing, without superuser rights) that owns every scratch
    database and that the replay connects as; None: the replay connects as the admin connection's role.
    `temporary_role`: on someone else's server, create a role of our own for this run (with a random
    password, no rights, dropped in `close()`) to own the scratch databases and run the migrations; where
    the connecting role may not create one, the migrations run as that role and `replay_note` says so.
    `on_behalf`: whether any migration may need what follows (False spares the cost of installing it).

    Where the admin connection is a superuser's and the migrations run as another role, each database made
    from nothing gets the functions that create extensions and roles on a migration's behalf (rights.sql):
    production's migration role may do both, the replay's may not. Roles made that way on someone else's
    server are dropped in `close()`, after the scratch databases.
    """

    dialect = Dialect.POSTGRESQL

    def __init__(
        self,
        provider: str,
        conninfo: str,
        *,
        file_copy: bool,
        drop_on_close: bool,
        hint: str = URL_HINT,
        replay_role: str | None = None,
        temporary_role: bool = False,
        on_behalf: bool = True,
    ) -> None:
        self.provider = provider
        self.admin_conninfo = conninfo
        self._file_copy = file_copy
        self._drop_on_close = drop_on_close
        self._hint = hint
        self._replay_role = replay_role
        self._replay_password: str | None = None
        self._temporary_role: str | None = None
        self.replay_note: str | None = None
        self._created: dict[str, Database] = {}
        self._made: list[str] = []  # every scratch database this run created, dropped or not
        self._acts_on_behalf = False
        self._platform_roles: list[str] = []  # roles `run_as_admin` created, dropped at close where shared
        self._admin = self._connect()
        try:
            row = self._admin.execute(
                "SELECT current_setting('server_version'), current_setting('server_version_num')::int,"
                " current_user, rolsuper OR rolcreatedb, rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
        except psycopg.Error as exc:
            self._admin.close()
            raise self._unavailable("could not read the server's version", exc) from None
        assert row is not None  # current_user always has a pg_roles row
        version, version_num, role, may_create, superuser = row
        self.server_version: str = version.split()[0]  # "15.20 (Debian 15.20-0+deb12u1)" -> "15.20"
        self.server_version_num: int = version_num
        if not may_create:
            self._admin.close()
            raise DatabaseUnavailable(
                f'the role "{role}" may not create databases on {self.display}',
                hint=f'grant it with ALTER ROLE "{role}" CREATEDB, connect as a role that has CREATEDB,'
                " or use --database embedded",
            )
        if replay_role is not None:
            self._ensure_role(replay_role)
        elif temporary_role:
            self._make_temporary_role(role, superuser)
        self._acts_on_behalf = superuser and self._replay_role is not None
        self._on_behalf = on_behalf

    def _ensure_role(self, role: str) -> None:
        try:
            if not self._admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                self._admin.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
                        sql.Identifier(role)
                    )
                )
            # A server of our own. From PostgreSQL 16 a role with CREATEROLE administers only the roles it
            # creates and cannot grant itself the predefined pg_ roles: production's migration role often
            # has it. Before 16 it could grant itself pg_execute_server_program, so there roles are made on
            # the migration's behalf instead (rights.sql).
            createrole = "CREATEROLE" if self.server_version_num >= 160000 else "NOCREATEROLE"
            self._admin.execute(sql.SQL(f"ALTER ROLE {{}} {createrole}").format(sql.Identifier(role)))
        except psycopg.Error as exc:
            self._admin.close()
            raise self._unavailable(f"could not create the role {role}", exc) from None

    def _make_temporary_role(self, admin: str, superuser: bool) -> None:
        name = f"{SCRATCH_PREFIX}{run_tag()}{uuid.uuid4().hex[:12]}"
        password = secrets.token_urlsafe(24)
        try:
            # Sent as libpq's SCRAM verifier: a server that logs statements does not log the password.
            verifier = self._admin.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
            self._admin.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
                ).format(sql.Identifier(name), sql.Literal(verifier.decode()))
            )
        except psycopg.Error as exc:
            reason = first_line(exc)
            self.replay_note = self._as_admin_note(admin, superuser, f"it may not create a role ({reason})")
            return
        self._temporary_role = name
        try:
            # Making a database owned by a role takes membership in it.
            with suppress(psycopg.Error):
                self._admin.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(name)))
            if self._admin.execute("SELECT pg_has_role(%s, 'MEMBER')", (name,)).fetchone() != (True,):
                self._drop_temporary_role(quiet=True)
                self.replay_note = self._as_admin_note(
                    admin, superuser, "it cannot make itself a member of a new role"
                )
                return
            with psycopg.connect(
                make_conninfo(self.admin_conninfo, user=name, password=password),
                connect_timeout=CONNECT_TIMEOUT_S,
            ):
                pass
        except psycopg.Error:
            self._drop_temporary_role(quiet=True)
            self.replay_note = self._as_admin_note(
                admin, superuser, "the server does not let a new role log in (pg_hba.conf)"
            )
            return
        self._replay_role, self._replay_password = name, password

    @staticmethod
    def _as_admin_note(admin: str, superuser: bool, why: str) -> str:
        risk = (
            ": a superuser, so a migration could reach past its database (COPY … PROGRAM, ALTER SYSTEM)"
            if superuser
            else ""
        )
        return (
            f'the migrations ran as "{admin}", the role of --database-url{risk}; a role without rights was '
            f"not made for them because {why}. Give that role CREATEROLE to have one made for each review"
        )

    def _drop_temporary_role(self, *, quiet: bool) -> None:
        if self._temporary_role is None:
            return
        try:
            role = sql.Identifier(self._temporary_role)
            self._admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))
        except psycopg.Error as exc:
            message = f"could not drop the role {self._temporary_role} on {self.display}"
            if not quiet:
                raise self._unavailable(message, exc) from None
            log.warning("%s: %s", message, exc)
        self._temporary_role = None

    @property
    def display(self) -> str:
        return mask_password(self.admin_conninfo)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider!r}, {self.display!r})"

    # Whether databases named with `create_database(name=…)` may outlive the run (a server of our own
    # whose data folder is kept between runs). A server we share with others never keeps anything.
    keeps_named_databases = False
    keeps_this_run = False

    def create_database(self, template: Database | None = None, name: str | None = None) -> Database:
        return self._create(self._admin, template, name)

    def copy_database(self, template: Database, count: int) -> list[Database]:
        if count < 2:
            return [self._create(self._admin, template) for _ in range(count)]
        # Each over a connection of its own: the server copies in separate backends, on several cores
        # (two copies of a 1,000-migration base: 0.11 s one after the other, 0.06 s side by side).
        with ThreadPoolExecutor(max_workers=count, thread_name_prefix="copy") as pool:
            futures = [pool.submit(self._create_over_a_new_connection, template) for _ in range(count)]
        errors = [error for future in futures if (error := future.exception()) is not None]
        made = [future.result() for future in futures if future.exception() is None]
        if errors:
            for database in made:
                with suppress(DatabaseUnavailable):  # the first error is the news
                    self.drop_database(database)
            raise errors[0]
        return made

    def _create_over_a_new_connection(self, template: Database) -> Database:
        with self._connect() as connection:
            return self._create(connection, template)

    def _create(
        self, connection: psycopg.Connection[Any], template: Database | None, name: str | None = None
    ) -> Database:
        named = name is not None
        name = name or f"{SCRATCH_PREFIX}{run_tag()}{uuid.uuid4().hex[:12]}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template.name))
        if self._file_copy and self.server_version_num >= 150000:
            query += sql.SQL(" STRATEGY FILE_COPY")
        if self._replay_role is not None:
            query += sql.SQL(" OWNER {}").format(sql.Identifier(self._replay_role))
        try:
            connection.execute(query)
        except psycopg.Error as exc:
            raise self._unavailable("could not create a scratch database", exc) from None
        database = self._database(name)
        self._created[name] = database
        self._made.append(name)
        # A copy has them from its template. A named database may be kept for later reviews, whose
        # migrations may need them: it gets them whatever this one's need.
        if template is None and self._acts_on_behalf and (self._on_behalf or named):
            self._install_rights(name)
        return database

    def _install_rights(self, name: str) -> None:
        assert self._replay_role is not None
        role = sql.Identifier(self._replay_role)
        schema = sql.Identifier(RIGHTS_SCHEMA)
        # One round trip, one transaction (a multi-statement query): ~20 ms on the embedded server.
        script = sql.Composed(
            [
                sql.SQL("BEGIN;\n"),
                sql.SQL(rights_sql()),  # our own file
                sql.SQL("\nINSERT INTO {}.denied_extensions SELECT unnest({}::text[]);\n").format(
                    schema, sql.Literal(sorted(DENIED_EXTENSIONS))
                ),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {};\n").format(schema, role),
                sql.SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {} TO {};\nCOMMIT;").format(schema, role),
            ]
        )
        try:
            conninfo = make_conninfo(self.admin_conninfo, dbname=name)
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as connection:
                connection.execute(script)
        except psycopg.Error as exc:
            raise self._unavailable(f"could not prepare the scratch database {name}", exc) from None

    def find_database(self, name: str) -> Database | None:
        """A database kept from an earlier run on this server, if it is there."""
        if not self.keeps_named_databases:
            return None
        try:
            found = self._admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        except psycopg.Error as exc:
            raise self._unavailable("could not list the databases", exc) from None
        if found is None:
            return None
        database = self._database(name)
        self._created[name] = database
        return database

    def remember(self, database: Database, note: str) -> None:
        pass  # nothing is kept (the embedded server keeps its notes with its cluster)

    def recall(self, database: Database) -> str | None:
        return None

    def _database(self, name: str) -> Database:
        return Database(
            name=name,
            conninfo=make_conninfo(self.admin_conninfo, dbname=name, **self._as_replay_role()),
            dialect=self.dialect,
            provider=self.provider,
            server_version=self.server_version,
            server_version_num=self.server_version_num,
        )

    def _as_replay_role(self) -> dict[str, str]:
        if self._replay_role is None:
            return {}
        if self._replay_password is None:
            return {"user": self._replay_role}
        return {"user": self._replay_role, "password": self._replay_password}

    def run_as_admin(self, database: Database, sections: Sequence[tuple[str, str]]) -> list[str]:
        if database.name not in self._created:
            raise ValueError(f"{database.name} is not a scratch database of this server")
        notes: list[str] = []
        try:
            with psycopg.connect(
                make_conninfo(self.admin_conninfo, dbname=database.name),
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
            ) as connection:
                roles_before = self._role_names(connection)
                connection.execute(
                    "SELECT set_config('migration_reviewer.replay_role', coalesce(%s, current_user), false)",
                    (self._replay_role,),
                )
                for what, script in sections:
                    try:
                        with connection.transaction():
                            connection.execute(script.encode())
                    except psycopg.Error as exc:
                        notes.append(f"{what}: left out ({mask_password(first_line(exc))})")
                self._platform_roles += sorted(self._role_names(connection) - roles_before)
        except psycopg.OperationalError as exc:
            raise self._unavailable(f"could not prepare the scratch database {database.name}", exc) from None
        return notes

    @staticmethod
    def _role_names(connection: psycopg.Connection[Any]) -> set[str]:
        return {name for (name,) in connection.execute("SELECT rolname FROM pg_roles").fetchall()}

    def _drop_platform_roles(self) -> None:
        """Roles are the cluster's, not a database's: on a server shared with others, those this review
        created go with it. The scratch databases that used them are dropped by then; a role another
        review's database uses meanwhile stays (that review found it there, so it does not drop it)."""
        for role in reversed(self._platform_roles):
            try:
                self._admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            except psycopg.Error as exc:
                log.warning("could not drop the role %s on %s: %s", role, self.display, first_line(exc))
        self._platform_roles = []

    def drop_database(self, database: Database) -> None:
        if database.name not in self._created:
            # We only ever drop what we created: a stray name here is a bug, not a user's database.
            raise ValueError(f"{database.name} is not a scratch database of this server")
        ident = sql.Identifier(database.name)
        try:
            if self.server_version_num >= 130000:
                self._admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            else:
                self._admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (database.name,),
                )
                self._admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(ident))
        except psycopg.Error as exc:
            raise self._unavailable(f"could not drop the scratch database {database.name}", exc) from None
        del self._created[database.name]

    def close(self, *, quiet: bool = False) -> None:
        """Drop what we created (when asked to) and disconnect. `quiet`: an error is already on its way
        out, so log a database we could not drop instead of raising over that error."""
        try:
            if self._drop_on_close:
                self._drop_all(quiet=quiet)
                self._drop_roles_made(quiet=quiet)
                self._drop_platform_roles()
            self._drop_temporary_role(quiet=quiet)
        finally:
            self._admin.close()

    def _drop_roles_made(self, *, quiet: bool) -> None:
        """Drop the roles made on the migrations' behalf in this run's scratch databases (their comment
        names the database), which are dropped by now: the roles own nothing elsewhere."""
        if not self._acts_on_behalf or not self._made:
            return
        try:
            made = self._admin.execute(
                "SELECT r.rolname FROM pg_roles r JOIN pg_shdescription d"
                "  ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass"
                " WHERE NOT r.rolsuper AND d.description = ANY(%s)",
                ([f"{_ROLE_MARKER}{name}" for name in self._made],),
            ).fetchall()
            for (role,) in made:
                self._admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        except psycopg.Error as exc:
            what = f"could not drop the roles the migrations made on {self.display}"
            if not quiet:
                raise self._unavailable(what, exc) from None
            log.warning("%s: %s", what, exc)

    def _drop_all(self, *, quiet: bool) -> None:
        left: list[str] = []
        for database in list(self._created.values()):
            try:
                self.drop_database(database)
            except DatabaseUnavailable:
                left.append(database.name)
        if not left:
            return
        message = f"could not drop the scratch database(s) {', '.join(left)} on {self.display}"
        hint = "drop them by hand: " + "; ".join(f'DROP DATABASE "{name}" WITH (FORCE)' for name in left)
        if quiet:
            log.warning("%s (%s)", message, hint)
            return
        raise DatabaseUnavailable(message, hint=hint)

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.admin_conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise self._unavailable(f"could not connect to PostgreSQL at {self.display}", exc) from None

    def _unavailable(self, what: str, exc: psycopg.Error) -> DatabaseUnavailable:
        """The error to raise when the server fails us; providers that own the server add what they know."""
        reason = mask_password(first_line(exc))
        return DatabaseUnavailable(f"{what}: {reason}", hint=self._hint)


@contextmanager
def scratch_server(
    provider: str,
    conninfo: str,
    *,
    file_copy: bool,
    hint: str = URL_HINT,
    replay_role: str | None = None,
    temporary_role: bool = False,
    on_behalf: bool = True,
) -> Iterator[ScratchServer]:
    """A `ScratchServer` that drops its databases (and its temporary role) and disconnects however the
    block ends."""
    server = ScratchServer(
        provider,
        conninfo,
        file_copy=file_copy,
        drop_on_close=True,
        hint=hint,
        replay_role=replay_role,
        temporary_role=temporary_role,
        on_behalf=on_behalf,
    )
    try:
        yield server
    except BaseException:
        server.close(quiet=True)
        raise
    server.close()


def check_url(url: str) -> str:
    """`url` if it is a PostgreSQL URL libpq can read, else a `UsageError` that does not show the password."""
    if not url.startswith(URL_SCHEMES):
        raise UsageError(  # not echoed: what is not a URL cannot be masked reliably
            "the database URL does not start with postgresql:// or postgres://",
            hint="give --database-url as postgresql://user:password@host:5432/postgres",
        )
    try:
        conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise UsageError(
            f"cannot read the database URL {mask_password(url)}: {mask_password(str(exc).strip())}",
            hint="give --database-url as postgresql://user:password@host:5432/postgres"
            " (percent-encode special characters in the password)",
        ) from None
    return url


class UrlProvider:
    name = "url"

    def __init__(self, url: str, *, superuser: bool = False, on_behalf: bool = True) -> None:
        self._url = check_url(url)
        self.on_behalf = on_behalf
        # Migrations run as a role of this review's own, without rights, unless the settings ask for the
        # URL's role (`replay-role = "superuser"`).
        self.temporary_role = not superuser

    def __repr__(self) -> str:
        return f"UrlProvider({mask_password(self._url)!r})"

    def start(self, meanwhile: Meanwhile | None = None) -> AbstractContextManager[Server]:
        if meanwhile is not None:
            meanwhile({})  # nothing kept
        return scratch_server(
            self.name,
            self._url,
            file_copy=False,
            temporary_role=self.temporary_role,
            on_behalf=self.on_behalf,
        )
