"""Where the throwaway database comes from.

A provider starts (or reaches) a server; the server hands out fresh, uniquely named databases and removes
everything it created when closed, whatever happened in between (an error, Ctrl-C, a timeout).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from migration_reviewer.adapters.base import Dialect


def run_tag() -> str:
    """MIGRATION_REVIEWER_RUN_TAG (lowercase letters and digits) goes into the names of every temp folder
    and scratch database a run creates, so that a test session can find its own leftovers among those of
    others running on the same machine."""
    return re.sub(r"[^a-z0-9]", "", os.environ.get("MIGRATION_REVIEWER_RUN_TAG", "").lower())[:16]


@dataclass(frozen=True)
class Database:
    """A scratch database that only this review writes to."""

    name: str
    conninfo: str  # what psycopg.connect() takes: a libpq URL or key=value string
    dialect: Dialect
    provider: str
    server_version: str  # human form, e.g. "18.6"
    server_version_num: int  # e.g. 180006

    def __repr__(self) -> str:
        # conninfo may hold a password: a repr ends up in logs and test output
        return (
            f"Database(name={self.name!r}, conninfo={mask_password(self.conninfo)!r}, "
            f"provider={self.provider!r}, server_version={self.server_version!r})"
        )


MYSQL_URL_SCHEMES = ("mysql://", "mariadb://")


def is_mysql_url(url: str | None) -> bool:
    return url is not None and url.lower().startswith(MYSQL_URL_SCHEMES)


# The password in a URL's user info, in a URL's query string and in a key=value conninfo.
_PASSWORD_PATTERNS = (
    re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^/@\s:]*:)[^/\s]*(?=@)", re.IGNORECASE),
    re.compile(r"(?P<keep>[?&]password=)[^&#\s]*", re.IGNORECASE),
    re.compile(r"(?P<keep>(?<![?&])\bpassword\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s']+)", re.IGNORECASE),
)


def mask_password(text: str) -> str:
    """`text` with every password in a connection URL or conninfo replaced by ***."""
    for pattern in _PASSWORD_PATTERNS:
        text = pattern.sub(r"\g<keep>***", text)
    return text


class Server(Protocol):
    provider: str
    dialect: Dialect
    server_version: str
    server_version_num: int

    keeps_named_databases: bool  # databases created with a name may be kept from earlier runs, and found
    keeps_this_run: bool  # what this run leaves in its named databases is kept for later runs
    replay_note: str | None  # who the migrations run as, when a reviewer should know it

    def create_database(self, template: Database | None = None, name: str | None = None) -> Database:
        """A new empty database (or a copy of `template`), with a name no one else uses, or `name`."""
        ...

    def copy_database(self, template: Database, count: int) -> list[Database]:
        """`count` new copies of `template`, made side by side where the server can."""
        ...

    def find_database(self, name: str) -> Database | None:
        """A named database kept from an earlier run, where the server keeps them."""
        ...

    def drop_database(self, database: Database) -> None: ...

    def remember(self, database: Database, note: str) -> None:
        """Keep `note` (what was learnt of a kept database, e.g. its schema) with the database, where the
        server keeps databases; elsewhere it is forgotten."""
        ...

    def recall(self, database: Database) -> str | None:
        """The note kept with `database` by an earlier run, or None."""
        ...


@runtime_checkable
class AdminScripts(Protocol):
    """A server that can run our own SQL (a platform's schemas, roles and functions) as its admin role in
    one of its scratch databases, before the migrations' role runs anything there."""

    def run_as_admin(self, database: Database, sections: Sequence[tuple[str, str]]) -> list[str]:
        """Runs each (what, SQL) section in its own transaction, in order; a failing section is rolled back
        and left out. Returns a note for each one left out. Roles the sections create are cluster-wide:
        a server shared with others drops them when it closes (after its databases)."""
        ...


@dataclass(frozen=True)
class KeptBases:
    """Which kept clusters a review may start from (the embedded server keeps them). `key` names the base
    histories it needs exactly; `family` its folders, whatever their histories; `worth` says how many base
    migrations a kept cluster would spare it, from the cluster's notes (0: none, it is replayed anew)."""

    key: str
    family: str = ""
    worth: Callable[[Mapping[str, str]], int] | None = None


# The caller's own work while a server starts, given the notes kept with the databases the start brings
# back (`Server.recall` returns them later): the caller may make what it needs of them meanwhile.
Meanwhile = Callable[[Mapping[str, str]], None]


class DatabaseProvider(Protocol):
    name: str

    def start(self, meanwhile: Meanwhile | None = None) -> AbstractContextManager[Server]:
        """Start or reach the server. Leaving the context drops every database it created and stops
        every process it started. `meanwhile`: the caller's own work, done while the server starts where
        the start leaves this process idle, else first."""
        ...
