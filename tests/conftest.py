"""Shared fixtures. Tests talk to real databases: the machine's PostgreSQL (through a scratch database
that the fixture creates and drops) and the embedded server the product starts itself."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest

from migration_reviewer.replay.providers.mysql import connect as mysql_connect

# The server tests may create scratch databases on. Only the scratch database is ever written to.
LOCAL_PG_URL = os.environ.get("MIGRATION_REVIEWER_TEST_PG_URL", "postgresql://127.0.0.1:5432/postgres")
# The machine's MariaDB: scratch databases are created beside `test`, never inside it.
LOCAL_MYSQL_URL = os.environ.get("MIGRATION_REVIEWER_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
# Marks every temp folder and scratch database this session's reviews create (in-process and in the
# subprocesses, which inherit it), so that the leak check counts only ours.
RUN_TAG = f"t{uuid.uuid4().hex[:10]}"
os.environ["MIGRATION_REVIEWER_RUN_TAG"] = RUN_TAG


def _local_pg_available() -> str | None:
    try:
        with psycopg.connect(LOCAL_PG_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"no PostgreSQL at {LOCAL_PG_URL}: {exc}".splitlines()[0]


def _local_mysql_available() -> str | None:
    try:
        mysql_connect(LOCAL_MYSQL_URL).close()
        return None
    except pymysql.MySQLError as exc:
        return f"no MySQL or MariaDB at {LOCAL_MYSQL_URL}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def local_mysql_url() -> str:
    reason = _local_mysql_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return LOCAL_MYSQL_URL


@pytest.fixture(scope="session")
def local_pg_url() -> str:
    reason = _local_pg_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return LOCAL_PG_URL


@pytest.fixture
def scratch_pg(local_pg_url: str) -> Iterator[str]:
    """The conninfo of an empty database on the local server, dropped after the test."""
    name = f"mr_test_{RUN_TAG}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(local_pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield psycopg.conninfo.make_conninfo(local_pg_url, dbname=name)
    finally:
        with psycopg.connect(local_pg_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _our_leftovers() -> set[str]:
    """Clusters, temp folders and scratch databases that this session's reviews created and must always
    remove: their names carry RUN_TAG, so other suites running on the machine at the same time do not
    count."""
    import glob
    import tempfile

    found = set()
    for root in ("/dev/shm", tempfile.gettempdir()):
        found |= set(glob.glob(f"{root}/migration-reviewer-pg-{RUN_TAG}*"))
        found |= set(glob.glob(f"{root}/migration-reviewer-sqlite-{RUN_TAG}*"))
    for pid_dir in glob.glob("/proc/[0-9]*"):
        try:
            raw = Path(pid_dir, "cmdline").read_bytes()
        except OSError:
            continue
        cmdline = raw.replace(b"\0", b" ").decode(errors="replace")
        if f"migration-reviewer-pg-{RUN_TAG}" in cmdline and "postgres" in cmdline:
            found.add(f"process {pid_dir.rsplit('/', 1)[1]}: {cmdline[:120]}")
    pattern = f"mr\\_%{RUN_TAG}%"
    if _local_pg_available() is None:
        with psycopg.connect(LOCAL_PG_URL) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern]).fetchall()
            found |= {f"database {name}" for (name,) in rows}
            rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", [pattern]).fetchall()
            found |= {f"role {name}" for (name,) in rows}
    if _local_mysql_available() is None:
        with mysql_connect(LOCAL_MYSQL_URL) as conn, conn.cursor() as cursor:
            cursor.execute("SHOW DATABASES LIKE %s", [pattern])
            found |= {f"MySQL database {name}" for (name,) in cursor.fetchall()}
    return found


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite keeps its initialised data folders and replayed bases to itself, not in ~/.cache."""
    previous = os.environ.get("MIGRATION_REVIEWER_CACHE_DIR")
    os.environ["MIGRATION_REVIEWER_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("MIGRATION_REVIEWER_CACHE_DIR", None)
    else:
        os.environ["MIGRATION_REVIEWER_CACHE_DIR"] = previous


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """After the whole suite: no server process, temp folder or scratch database of ours remains."""
    yield
    left = _our_leftovers()
    assert not left, f"left behind by the tests: {sorted(left)}"
