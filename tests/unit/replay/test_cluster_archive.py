"""A kept cluster is one file: what goes in comes out, files equal to the initialised folder's (the reference,
an archive too) are named, not stored, an archive is unpacked only with the very reference it was packed
against, and a damaged or hostile archive is refused with a clear error."""

from __future__ import annotations

import json
import os
import stat
import struct
import subprocess
import time
from pathlib import Path

import pytest

from migration_reviewer.replay.providers.archive import (
    TMPFS_TIME_STEP_NS,
    ArchiveError,
    fill,
    fill_command,
    pack,
    read_notes,
    unpack,
)


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o600)
    return root


def packed(folder: Path) -> Path:
    """The initialised folder's archive, as the cache keeps it."""
    archive = folder.with_name(folder.name + ".cluster")
    pack(folder, archive)
    return archive


def contents(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_folder_comes_back_as_it_went_in(tmp_path: Path) -> None:
    files = {"PG_VERSION": b"18\n", "base/5/1259": bytes(range(256)) * 64, "global/pg_control": b"\0" * 8192}
    source = make_folder(tmp_path / "data", files)
    os.symlink("base/5", source / "link")
    (source / "empty").mkdir(mode=0o700)

    pack(source, tmp_path / "kept.cluster")
    unpack(tmp_path / "kept.cluster", tmp_path / "again", owner=None)

    again = tmp_path / "again"
    assert contents(again) == files
    assert os.readlink(again / "link") == "base/5"
    assert (again / "empty").is_dir()
    assert stat.S_IMODE((again / "base/5/1259").stat().st_mode) == 0o600


def test_files_equal_to_the_reference_are_named_not_stored(tmp_path: Path) -> None:
    template = b"t" * 100_000
    reference = packed(make_folder(tmp_path / "fresh", {"base/1/1259": template, "base/5/1259": b"old"}))
    source = make_folder(tmp_path / "data", {"base/1/1259": template, "base/5/1259": b"new" * 1000})

    pack(source, tmp_path / "kept.cluster", reference)
    unpack(tmp_path / "kept.cluster", tmp_path / "again", owner=None, reference=reference)

    assert (tmp_path / "kept.cluster").stat().st_size < len(template)
    assert contents(tmp_path / "again") == contents(source)


def test_an_archive_made_against_a_reference_needs_it(tmp_path: Path) -> None:
    reference = packed(make_folder(tmp_path / "fresh", {"base/1/1259": b"same"}))
    source = make_folder(tmp_path / "data", {"base/1/1259": b"same"})
    pack(source, tmp_path / "kept.cluster", reference)
    reference.unlink()  # the initialised folder was cleared from the cache

    with pytest.raises(ArchiveError, match="missing"):
        unpack(tmp_path / "kept.cluster", tmp_path / "again", owner=None, reference=reference)


def test_an_archive_is_never_unpacked_against_another_initialised_folder(tmp_path: Path) -> None:
    """Two runs of initdb differ (the cluster's identifier, times): files named from one are not the
    other's, even where the paths and sizes agree."""
    reference = packed(make_folder(tmp_path / "fresh", {"global/pg_control": b"cluster A"}))
    replayed = make_folder(tmp_path / "data", {"global/pg_control": b"cluster A"})
    pack(replayed, tmp_path / "kept.cluster", reference)
    reference.unlink()
    packed(make_folder(tmp_path / "fresh", {"global/pg_control": b"cluster B"}))  # made again, same path

    with pytest.raises(ArchiveError, match="another initialised folder"):
        unpack(tmp_path / "kept.cluster", tmp_path / "again", owner=None, reference=reference)
    problem = fill(tmp_path / "filled", reference, None, tmp_path / "kept.cluster")
    assert problem is not None and "another initialised folder" in problem
    assert contents(tmp_path / "filled") == {"global/pg_control": b"cluster B"}  # replayed from the new one


def test_a_cut_short_archive_is_refused(tmp_path: Path) -> None:
    source = make_folder(tmp_path / "data", {"a": b"x" * 10_000})
    archive = tmp_path / "kept.cluster"
    pack(source, archive)
    archive.write_bytes(archive.read_bytes()[:5_000])

    with pytest.raises(ArchiveError, match="damaged"):
        unpack(archive, tmp_path / "again", owner=None)


def test_an_archive_that_names_a_path_outside_its_folder_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "kept.cluster"
    pack(make_folder(tmp_path / "data", {"a": b"x"}), archive)
    raw = archive.read_bytes()
    index_at, index_length, notes_at, notes_length = struct.unpack("<QQQQ", raw[-32:])
    index_object = json.loads(raw[index_at : index_at + index_length])
    index_object["entries"][0]["file"] = "../../outside"
    index = json.dumps(index_object).encode()
    notes = raw[notes_at : notes_at + notes_length]
    trailer = struct.pack("<QQQQ", index_at, len(index), index_at + len(index), len(notes))
    archive.write_bytes(raw[:index_at] + index + notes + trailer)

    with pytest.raises(ArchiveError, match="outside"):
        unpack(archive, tmp_path / "again", owner=None)
    assert not (tmp_path.parent / "outside").exists()


def test_notes_kept_with_the_databases_are_read_without_unpacking(tmp_path: Path) -> None:
    archive = tmp_path / "kept.cluster"
    notes = {"mr_base_1": '{"schemas": ["public"]}', "mr_base_2": "é" * 100_000}
    pack(make_folder(tmp_path / "data", {"a": b"x" * 10_000}), archive, notes=notes)

    assert read_notes(archive) == notes
    unpack(archive, tmp_path / "again", owner=None)
    assert contents(tmp_path / "again") == {"a": b"x" * 10_000}


def test_an_archive_without_notes_has_none(tmp_path: Path) -> None:
    pack(make_folder(tmp_path / "data", {"a": b"x"}), tmp_path / "kept.cluster")
    assert read_notes(tmp_path / "kept.cluster") == {}


def test_notes_of_a_damaged_archive_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "kept.cluster"
    pack(make_folder(tmp_path / "data", {"a": b"x" * 10_000}), archive, notes={"b": "note"})
    archive.write_bytes(archive.read_bytes()[:5_000])
    with pytest.raises(ArchiveError, match="damaged"):
        read_notes(archive)


def test_an_archive_of_the_earlier_layout_is_refused_and_the_fresh_folder_used(tmp_path: Path) -> None:
    # Version 1 had no notes: its trailer is two numbers. A review then replays the base again.
    fresh = packed(make_folder(tmp_path / "fresh", {"PG_VERSION": b"18\n"}))
    index = json.dumps([{"file": "PG_VERSION", "mode": 0o600, "from_reference": True}]).encode()
    header = b"migration-reviewer cluster 1\n"
    old = header + index + struct.pack("<QQ", len(header), len(index))
    (tmp_path / "kept.cluster").write_bytes(old)

    problem = fill(tmp_path / "data", fresh, None, tmp_path / "kept.cluster")
    assert problem is not None and "not a cluster archive of this version" in problem
    assert contents(tmp_path / "data") == {"PG_VERSION": b"18\n"}


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kept.cluster").write_bytes(b"PK\x03\x04 not ours")
    with pytest.raises(ArchiveError, match="not a cluster archive"):
        unpack(tmp_path / "kept.cluster", tmp_path / "again", owner=None)


def test_a_data_folder_is_filled_from_the_kept_cluster_or_else_the_fresh_one(tmp_path: Path) -> None:
    initialised = make_folder(tmp_path / "fresh", {"PG_VERSION": b"18\n", "base/1/1259": b"template"})
    fresh = packed(initialised)
    replayed = make_folder(
        tmp_path / "data", {"PG_VERSION": b"18\n", "base/1/1259": b"template", "base/5/1": b"x"}
    )
    pack(replayed, tmp_path / "kept.cluster", fresh)

    assert fill(tmp_path / "warm", fresh, None, tmp_path / "kept.cluster") is None
    assert contents(tmp_path / "warm") == contents(replayed)

    (tmp_path / "kept.cluster").write_bytes(b"cut short")
    problem = fill(tmp_path / "cold", fresh, None, tmp_path / "kept.cluster")
    assert problem is not None and "not a cluster archive" in problem
    # The fresh folder, for the base to be replayed.
    assert contents(tmp_path / "cold") == contents(initialised)
    assert fill(tmp_path / "plain", fresh, None) is None


def test_the_folder_is_filled_by_a_python_that_loads_nothing_else(tmp_path: Path) -> None:
    """The review loads its driver meanwhile: the filling process must not need the package, or its
    dependencies, to be importable."""
    initialised = make_folder(tmp_path / "fresh", {"PG_VERSION": b"18\n"})
    fresh = packed(initialised)
    pack(initialised, tmp_path / "kept.cluster")
    (tmp_path / "kept.cluster").write_bytes((tmp_path / "kept.cluster").read_bytes()[:-3])

    command = fill_command(tmp_path / "data", fresh, None, tmp_path / "kept.cluster")
    done = subprocess.run(command, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert "damaged" in done.stdout  # why the kept cluster was not used
    assert contents(tmp_path / "data") == contents(initialised)

    command = fill_command(tmp_path / "other", tmp_path / "gone", None, None)
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 1
    assert str(tmp_path / "gone") in done.stderr and "Traceback" not in done.stderr


def test_a_copy_nothing_wrote_to_since_the_start_is_named_by_its_size_and_time(tmp_path: Path) -> None:
    """A kept cluster is packed without reading the files the server never wrote: the data folder unpacked
    from the initialised one keeps its times, and any write since the start sets a newer one."""
    initialised = make_folder(tmp_path / "fresh", {"base/1/1259": b"a" * 100, "base/1/1249": b"c" * 100})
    long_ago = time.time_ns() - 3600 * 10**9
    for path in initialised.rglob("*"):
        os.utime(path, ns=(long_ago, long_ago))
    reference = packed(initialised)
    data = tmp_path / "data"
    fill(data, reference, owner=None)
    assert (data / "base/1/1259").stat().st_mtime_ns == long_ago
    started = time.time_ns()
    (data / "base/1/1249").write_bytes(b"d" * 100)  # the server writes: same size, a new time
    # Bytes changed behind the times' back (no writer does that): only the times were looked at.
    (data / "base/1/1259").write_bytes(b"b" * 100)
    os.utime(data / "base/1/1259", ns=(long_ago, long_ago))

    pack(data, tmp_path / "kept.cluster", reference, started_ns=started)
    unpack(tmp_path / "kept.cluster", tmp_path / "again", owner=None, reference=reference)
    assert contents(tmp_path / "again") == {"base/1/1259": b"a" * 100, "base/1/1249": b"d" * 100}

    # Without the start, or with twins as young as it, the bytes decide.
    for started_ns in (None, long_ago + 10**9):
        (tmp_path / "kept.cluster").unlink()
        pack(data, tmp_path / "kept.cluster", reference, started_ns=started_ns)
        again = tmp_path / f"again-{started_ns}"
        unpack(tmp_path / "kept.cluster", again, owner=None, reference=reference)
        assert contents(again) == contents(data)


def test_notes_nested_past_reason_are_refused_as_damage(tmp_path: Path) -> None:
    archive = tmp_path / "kept.cluster"
    pack(make_folder(tmp_path / "data", {"a": b"x"}), archive)
    raw = archive.read_bytes()
    index_at, index_length, _, _ = struct.unpack("<QQQQ", raw[-32:])
    nested = b"[" * 100_000 + b"]" * 100_000  # what a tampered cache could hold
    notes_at = index_at + index_length
    archive.write_bytes(
        raw[:notes_at] + nested + struct.pack("<QQQQ", index_at, index_length, notes_at, len(nested))
    )
    with pytest.raises(ArchiveError, match="damaged"):
        read_notes(archive)


def test_on_tmpfs_files_a_moment_older_than_the_start_are_named_by_their_times(tmp_path: Path) -> None:
    """A machine's first review packs the folder initdb just filled, then starts its server: its files are
    a fraction of a second older than the start. Where file times are fine (tmpfs), that is enough."""
    initialised = make_folder(tmp_path / "fresh", {"base/1/1259": b"a" * 100})
    reference = packed(initialised)
    started = (initialised / "base/1/1259").stat().st_mtime_ns + 300_000_000
    # Bytes changed behind the times' back (no writer does that): only the times were looked at.
    (initialised / "base/1/1259").write_bytes(b"b" * 100)
    os.utime(initialised / "base/1/1259", ns=(started - 300_000_000,) * 2)

    pack(initialised, tmp_path / "tmpfs.cluster", reference, started, time_step_ns=TMPFS_TIME_STEP_NS)
    pack(initialised, tmp_path / "coarse.cluster", reference, started)  # a 2 s step: the bytes decide
    unpack(tmp_path / "tmpfs.cluster", tmp_path / "by-times", owner=None, reference=reference)
    unpack(tmp_path / "coarse.cluster", tmp_path / "by-bytes", owner=None, reference=reference)
    assert contents(tmp_path / "by-times") == {"base/1/1259": b"a" * 100}
    assert contents(tmp_path / "by-bytes") == {"base/1/1259": b"b" * 100}
