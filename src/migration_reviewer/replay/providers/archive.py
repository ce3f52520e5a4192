"""A stopped cluster's data folder kept as one file, and made a folder again.

A replayed base is thousands of small files. Creating them one by one on a disk costs far more than their
bytes (on a journaling file system, about 0.4 ms a file: over a second for a history of 1,000 migrations),
while one file of the same bytes is written in one go. The initialised data folder every cluster starts
from is kept the same way. A kept cluster's files equal to those of that initialised one (template
databases, most of the catalog) are not stored again, only named, and come from its archive (the
reference) when the cluster is unpacked.

Layout: the stored files' bytes one after the other, then the index (JSON: the archive's own random id,
the id of the reference it was packed against, and each folder, link and file, with a file's mode,
modification time and where its bytes are; an archive is never unpacked against another reference), then
the notes kept with the cluster's databases (JSON: name → text), then a trailer giving where the index and
the notes start and how long they are. The notes are read without the rest, before the folder is made.

The module needs nothing but the standard library, so that it also runs as a script of its own
(`python -I -S archive.py fill …`): a review fills the data folder in that process while it loads its
database driver, on the other core.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import struct
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

_MAGIC = b"migration-reviewer cluster 3\n"
_TRAILER = struct.Struct("<QQQQ")  # index offset, index length, notes offset, notes length
_CHUNK = 1 << 20
# The coarsest step of file times among common file systems (FAT's two seconds): a write in the same step
# as a twin's time could leave the same time behind. tmpfs keeps nanoseconds, taken from a clock that moves
# in steps of at most a few milliseconds.
COARSEST_TIME_STEP_NS = 2_000_000_000
TMPFS_TIME_STEP_NS = 50_000_000


class ArchiveError(ValueError):
    """The archive is not one this version wrote, or it is damaged."""


def pack(
    folder: Path,
    archive: Path,
    reference: Path | None = None,
    started_ns: int | None = None,
    notes: Mapping[str, str] | None = None,
    time_step_ns: int = COARSEST_TIME_STEP_NS,
) -> None:
    """Write `folder` into `archive` (a new file), with `notes` (see `read_notes`). A file with the same
    bytes at the same place in the archive `reference` is named, not stored. `started_ns` (nanoseconds since
    the epoch): nothing wrote to `folder` before then but its unpacking (which gives each file the time its
    archive recorded), or the program that made the files the reference was packed from; a file whose size
    and time are still its twin's, a `time_step_ns` (the folder's file system's) older than that, is then
    known to be the same unread. Raises ArchiveError when `reference` is damaged."""
    entries: list[dict[str, Any]] = []
    with _Reference(reference) as twins, open(archive, "xb", buffering=0) as out:
        if reference is not None and twins.id is None:
            raise ArchiveError(f"the initialised folder's archive {reference} is missing")
        # Unbuffered: the files' bytes go in by the kernel (sendfile), the index and trailer by write.
        out.write(_MAGIC)
        for relative, entry in _walk(folder):
            info = entry.stat(follow_symlinks=False)
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISDIR(info.st_mode):
                entries.append({"dir": relative, "mode": mode})
            elif stat.S_ISLNK(info.st_mode):
                entries.append({"symlink": relative, "to": os.readlink(entry.path)})
            elif twins.same_bytes(
                relative, entry.path, info, None if started_ns is None else started_ns - time_step_ns
            ):
                entries.append(
                    {"file": relative, "mode": mode, "mtime": info.st_mtime_ns, "from_reference": True}
                )
            else:
                offset = out.tell()
                source = os.open(entry.path, os.O_RDONLY)
                try:
                    _send(out.fileno(), source, 0, info.st_size, entry.path)
                finally:
                    os.close(source)
                entries.append(
                    {
                        "file": relative,
                        "mode": mode,
                        "mtime": info.st_mtime_ns,
                        "offset": offset,
                        "size": info.st_size,
                    }
                )
        index = json.dumps(
            {"id": os.urandom(16).hex(), "reference": twins.id, "entries": entries}, separators=(",", ":")
        ).encode()
        index_offset = out.tell()
        out.write(index)
        kept_notes = json.dumps(dict(notes or {}), separators=(",", ":")).encode()
        out.write(kept_notes)
        out.write(_TRAILER.pack(index_offset, len(index), index_offset + len(index), len(kept_notes)))


def unpack(archive: Path, folder: Path, owner: tuple[int, int] | None, reference: Path | None = None) -> None:
    """Make `folder` (which must not exist) from `archive`, its files owned by `owner` when given and
    modified at the times the archive recorded. Raises ArchiveError when the archive is damaged or needs a
    reference (the archive it was packed against) that is not there or lacks a file."""
    with open(archive, "rb") as source, _Reference(reference) as twins:
        index = _index(source)
        if index["reference"] is not None and index["reference"] != twins.id:
            raise ArchiveError(
                f"the archive was made against another initialised folder than {reference}"
                if twins.id
                else f"the archive needs the initialised folder's archive {reference}, which is missing"
            )
        entries = index["entries"]
        fd = source.fileno()
        os.mkdir(folder, 0o700)
        _own(folder, owner)
        root = f"{folder}/"  # paths as strings: thousands of files
        for entry in entries:
            if "dir" in entry:
                target = root + entry["dir"]
                os.mkdir(target, entry["mode"])
                if owner:
                    os.chown(target, *owner)
            elif "symlink" in entry:
                target = root + entry["symlink"]
                os.symlink(entry["to"], target)
                if owner:
                    os.lchown(target, *owner)
            elif entry.get("from_reference"):
                twin_fd, offset, size = twins.bytes_of(entry["file"])
                write_file(
                    root + entry["file"], entry["mode"], owner, twin_fd, offset, size, entry.get("mtime")
                )
            else:
                write_file(
                    root + entry["file"],
                    entry["mode"],
                    owner,
                    fd,
                    entry["offset"],
                    entry["size"],
                    entry.get("mtime"),
                )


def read_notes(archive: Path) -> dict[str, str]:
    """The notes kept with the archive's databases (what was learnt of them, by database name), read
    without the rest of the archive. Raises ArchiveError when the archive is damaged."""
    with open(archive, "rb") as source:
        notes = _section(source, 2)
    if not isinstance(notes, dict) or not all(isinstance(v, str) for v in notes.values()):
        raise ArchiveError("the archive is damaged: no notes")
    return notes


def fill(folder: Path, pristine: Path, owner: tuple[int, int] | None, kept: Path | None = None) -> str | None:
    """Make the data folder `folder`: from the kept cluster `kept` when one is given and it unpacks, else
    from the archive of the initialised folder `pristine`. Returns why `kept` could not be used (None: it
    was, or none was given). Raises OSError or ArchiveError when `pristine` cannot be unpacked."""
    problem = None
    if kept is not None:
        try:
            unpack(kept, folder, owner, reference=pristine)
            return None
        except (OSError, ArchiveError) as exc:
            problem = str(exc)
            shutil.rmtree(folder, ignore_errors=True)
    unpack(pristine, folder, owner)
    return problem


def fill_command(folder: Path, pristine: Path, owner: tuple[int, int] | None, kept: Path | None) -> list[str]:
    """The command that runs `fill` in a process of its own: a Python that loads nothing but this file
    (-I: no environment, user site or script folder on the path; -S: no site-packages)."""
    return [
        sys.executable,
        "-I",
        "-S",
        __file__,
        "fill",
        str(folder),
        str(pristine),
        f"{owner[0]}:{owner[1]}" if owner else "-",
        str(kept) if kept else "-",
    ]


def _main(args: list[str]) -> int:
    """`fill FOLDER PRISTINE OWNER KEPT` (OWNER uid:gid, or -; KEPT a path, or -): prints why the kept
    cluster could not be used, if it could not; exit code 1, with the reason, when the folder cannot be
    made at all."""
    command, folder, pristine, owner, kept = args
    assert command == "fill"
    uid_gid = None
    if owner != "-":
        uid, gid = owner.split(":")
        uid_gid = (int(uid), int(gid))
    try:
        problem = fill(Path(folder), Path(pristine), uid_gid, None if kept == "-" else Path(kept))
    except (OSError, ArchiveError) as exc:
        print(exc, file=sys.stderr)
        return 1
    if problem is not None:
        print(problem)
    return 0


def _section(source: Any, which: int) -> Any:
    """The JSON section the trailer's `which`-th pair of numbers places (0: the index, 2: the notes)."""
    if source.read(len(_MAGIC)) != _MAGIC:
        raise ArchiveError("not a cluster archive of this version")
    try:
        size = source.seek(-_TRAILER.size, os.SEEK_END)
        offset, length = _TRAILER.unpack(source.read(_TRAILER.size))[which : which + 2]
        if not 0 <= offset <= offset + length <= size:
            # A file cut short ends in bytes of its middle: read as a trailer, they place a section
            # anywhere, gigabytes long.
            raise ValueError(f"a section of {length} bytes at {offset} lies outside the file")
        source.seek(offset)
        return json.loads(source.read(length))
    except (OSError, ValueError, struct.error, RecursionError) as exc:
        raise ArchiveError(f"the archive is damaged: {type(exc).__name__}: {exc}") from None


def _index(source: Any) -> dict[str, Any]:
    """The index: {"id": str, "reference": str | None, "entries": [...]}, checked."""
    index: dict[str, Any] = _section(source, 0)
    entries = index.get("entries") if isinstance(index, dict) else None
    if not isinstance(entries, list) or not isinstance(index.get("id"), str):
        raise ArchiveError("the archive is damaged: no index")
    if not isinstance(index.get("reference"), str | None):
        raise ArchiveError("the archive is damaged: no reference")
    for entry in entries:
        name = entry.get("dir") or entry.get("file") or entry.get("symlink") or ""
        # Paths come from a file a cache may have handed us: none may climb out of the folder.
        if not name or name.startswith("/") or ".." in name.split("/"):
            raise ArchiveError(f"the archive names a path outside its folder: {name!r}")
    return index


def _walk(folder: Path, prefix: str = "") -> Any:
    """(relative path, entry) of everything below `folder`, each folder before what it holds."""
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            relative = f"{prefix}{entry.name}"
            yield relative, entry
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), relative + "/")


def write_file(
    target: str | Path,
    mode: int,
    owner: tuple[int, int] | None,
    source_fd: int,
    offset: int,
    size: int | None,
    mtime_ns: int | None = None,
) -> None:
    """Create `target` with `size` bytes of `source_fd` from `offset` (to its end when None), owned by
    `owner` and modified at `mtime_ns` when given. Raises OSError when the source ends early."""
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        if size is None:
            size = os.fstat(source_fd).st_size - offset
        _send(out, source_fd, offset, size, target)
        if owner:
            os.fchown(out, *owner)
        if mtime_ns is not None:
            os.utime(out, ns=(mtime_ns, mtime_ns))
    finally:
        os.close(out)


def _send(out: int, source_fd: int, offset: int, size: int, target: str | Path) -> None:
    """Write `size` bytes of `source_fd` from `offset` at `out`'s position. Raises OSError when the source
    of `target` (named in the message) ends early."""
    left = size
    while left > 0:
        # sendfile with an offset reads the source without moving its position, in the kernel, and works
        # between file systems (the cache on disk, the cluster on tmpfs); copy_file_range does not on
        # recent kernels.
        if sys.platform == "linux":
            sent = os.sendfile(out, source_fd, offset, left)
        else:
            sent = os.write(out, os.pread(source_fd, min(left, _CHUNK), offset))
        if sent == 0:
            raise OSError(errno.EIO, f"the bytes for {target} end {left} bytes early")
        offset += sent
        left -= sent


def _own(path: Path, owner: tuple[int, int] | None) -> None:
    if owner:
        os.chown(path, *owner)


class _Reference:
    """The archive a cluster is packed against or unpacked with, opened once; no reference names nothing."""

    def __init__(self, archive: Path | None) -> None:
        self.archive = archive
        self.source: BinaryIO | None = None
        self.id: str | None = None  # None: no reference, or it is missing
        self.fd = -1
        self.files: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> _Reference:
        if self.archive is not None:
            try:
                self.source = open(self.archive, "rb")  # closed by __exit__, or below
            except FileNotFoundError:
                return self  # a file named from it is then reported missing, when one is
            try:
                index = _index(self.source)
            except BaseException:
                self.source.close()
                raise
            self.fd = self.source.fileno()
            self.id = index["id"]
            self.files = {e["file"]: e for e in index["entries"] if "file" in e and "offset" in e}
        return self

    def __exit__(self, *exc: object) -> None:
        if self.source is not None:
            self.source.close()
            self.source, self.fd = None, -1

    def bytes_of(self, relative: str) -> tuple[int, int, int]:
        """(fd, offset, size) of the reference's copy of `relative`."""
        twin = self.files.get(relative)
        if twin is None:
            raise ArchiveError(f"{relative} is missing from the initialised folder's archive {self.archive}")
        return self.fd, twin["offset"], twin["size"]

    def same_bytes(self, relative: str, path: str, mine: os.stat_result, written_since: int | None) -> bool:
        """Whether the file at `path` holds the reference's bytes of `relative`; `written_since`: whatever
        was written to the folder since the reference was made has a newer time than this."""
        twin = self.files.get(relative)
        if twin is None or twin["size"] != mine.st_size:
            return False
        if (
            written_since is not None
            and mine.st_mtime_ns == twin.get("mtime")
            and mine.st_mtime_ns < written_since
        ):
            # The file still has the time its unpacking gave it, older than anything written since the
            # start: a write would have set the time of its moment.
            return True
        offset, left = int(twin["offset"]), int(twin["size"])
        try:
            with open(path, "rb") as first:
                while left and (chunk := first.read(min(_CHUNK, left))):
                    if chunk != os.pread(self.fd, len(chunk), offset):
                        return False
                    offset += len(chunk)
                    left -= len(chunk)
        except OSError:
            return False
        return left == 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
